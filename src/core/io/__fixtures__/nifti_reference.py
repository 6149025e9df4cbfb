#!/usr/bin/env python3
"""Independent reference values for src/core/io/nifti.ts on the real Task04_Hippocampus data.

Writes src/core/io/__fixtures__/nifti_reference.json, which nifti.test.ts reads. CI has no
Python, so the generated JSON is committed; rerun after changing the cases:

    python3 src/core/io/__fixtures__/nifti_reference.py [path/to/shared/data]

Uses only the standard library (gzip, struct) and numpy: the NIfTI-1 header fields are read
at their nifti1.h offsets (sizeof_hdr 0, dim 40, datatype 70, bitpix 72, pixdim 76,
vox_offset 108, scl_slope 112, scl_inter 116, qform_code 252, sform_code 254, magic 344) and the
voxels taken as they are stored (x fastest, no reorientation), so the dims are the SOURCE dims.

Per case:
  image: dims, datatype, pixdim[1..3], mean (float64 over all voxels), min, max
  label: dims, datatype, pixdim[1..3], voxel count per label value, and the percentage of all
         voxels taken by each nonzero value ("foreground percentage per class").
"""

from __future__ import annotations

import gzip
import json
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
OUT = ROOT / "src" / "core" / "io" / "__fixtures__" / "nifti_reference.json"
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
TASK = DATA / "Task04_Hippocampus"

# Chosen to cover: uint8 images (001, 033), float32 images (003, 004, 243, 394), and the two
# float32 label volumes of the data set (003, 243); the other labels are uint8.
CASES = ["hippocampus_001", "hippocampus_003", "hippocampus_004", "hippocampus_033", "hippocampus_243", "hippocampus_394"]

DTYPES = {2: ("uint8", "u1"), 4: ("int16", "i2"), 8: ("int32", "i4"), 16: ("float32", "f4"),
          64: ("float64", "f8"), 256: ("int8", "i1"), 512: ("uint16", "u2"), 768: ("uint32", "u4")}


def read_nifti1(path: Path) -> tuple[dict[str, Any], np.ndarray]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    endian = "<" if struct.unpack("<i", raw[0:4])[0] == 348 else ">"
    assert struct.unpack(endian + "i", raw[0:4])[0] == 348, "not NIfTI-1"
    assert raw[344:348] == b"n+1\x00", raw[344:348]
    dim = struct.unpack(endian + "8h", raw[40:56])
    datatype = struct.unpack(endian + "h", raw[70:72])[0]
    pixdim = struct.unpack(endian + "8f", raw[76:108])
    vox_offset = int(struct.unpack(endian + "f", raw[108:112])[0])
    slope, inter = struct.unpack(endian + "2f", raw[112:120])
    dims = [int(d) for d in dim[1:4]]
    name, code = DTYPES[datatype]
    n = dims[0] * dims[1] * dims[2]
    data = np.frombuffer(raw, dtype=np.dtype(endian + code), count=n, offset=vox_offset)
    if slope != 0 and np.isfinite(slope) and (slope != 1 or inter != 0):
        data = (slope * data.astype(np.float64) + inter).astype(np.float32)
    header = {
        "dims": dims,
        "datatype": datatype,
        "datatypeName": name,
        "pixdim": [float(p) for p in pixdim[1:4]],
    }
    return header, data


def main() -> None:
    cases = []
    for case in CASES:
        img_h, img = read_nifti1(TASK / "imagesTr" / f"{case}.nii.gz")
        lab_h, lab = read_nifti1(TASK / "labelsTr" / f"{case}.nii.gz")
        values, counts = np.unique(lab, return_counts=True)
        assert np.all(values == np.round(values)), "non-integer label"
        total = lab.size
        cases.append({
            "case": case,
            "image": {
                **img_h,
                "mean": float(np.mean(img.astype(np.float64))),
                "min": float(img.min()),
                "max": float(img.max()),
            },
            "label": {
                **lab_h,
                "counts": {str(int(v)): int(c) for v, c in zip(values, counts)},
                "foregroundPercent": {str(int(v)): 100.0 * int(c) / total for v, c in zip(values, counts) if v != 0},
            },
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "generator": "src/core/io/__fixtures__/nifti_reference.py",
        "numpy": np.__version__,
        "dataset": "Task04_Hippocampus",
        "cases": cases,
    }, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
