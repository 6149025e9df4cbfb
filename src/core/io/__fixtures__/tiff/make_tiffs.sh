#!/usr/bin/env bash
# Reference TIFFs compressed by libtiff (tiffcp), for image2d.test.ts: LZW, LZW with the
# horizontal-differencing predictor, Deflate with the predictor, in strips and in tiles.
# The uncompressed sources are written here by python3 from the formulas the test uses:
#   grey8(x, y)  = (7x + 13y + (x·y mod 5)) mod 256              61 × 37
#   grey16(x, y) = (1000x + 37y + 7·(x·y mod 11)) mod 65536       61 × 37
#   rgb8(x, y)   = (3x + y, 5y + 2x, x·y) mod 256 per channel    29 × 17
# Needs python3 and libtiff-tools (Debian: apt-get install libtiff-tools). Run from this folder.
set -euo pipefail
python3 - <<'PY'
import struct
def tiff(name, w, h, spp, bits, samples):
    data = b''.join(struct.pack('<H' if bits == 16 else '<B', v) for v in samples)
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, bits), (259, 3, 1, 1), (262, 3, 1, 2 if spp == 3 else 1),
               (273, 4, 1, 8), (277, 3, 1, spp), (278, 4, 1, h), (279, 4, 1, len(data)), (284, 3, 1, 1)]
    if spp == 3:
        # BitsPerSample has three values: stored after the IFD.
        pass
    ifd_at = 8 + len(data) + (len(data) & 1)
    extra_at = ifd_at + 2 + 12 * len(entries) + 4
    out = bytearray(b'II*\0' + struct.pack('<I', ifd_at) + data + (b'\0' if len(data) & 1 else b''))
    out += struct.pack('<H', len(entries))
    for tag, typ, count, value in entries:
        if tag == 258 and spp == 3:
            out += struct.pack('<HHII', tag, typ, 3, extra_at)
        elif typ == 3:
            out += struct.pack('<HHIHH', tag, typ, count, value, 0)
        else:
            out += struct.pack('<HHII', tag, typ, count, value)
    out += struct.pack('<I', 0)
    if spp == 3:
        out += struct.pack('<HHH', bits, bits, bits)
    open(name, 'wb').write(out)
tiff('src-grey8.tif', 61, 37, 1, 8, [(7*x + 13*y + (x*y) % 5) % 256 for y in range(37) for x in range(61)])
tiff('src-grey16.tif', 61, 37, 1, 16, [(1000*x + 37*y + 7*((x*y) % 11)) % 65536 for y in range(37) for x in range(61)])
tiff('src-rgb8.tif', 29, 17, 3, 8, [v for y in range(17) for x in range(29) for v in ((3*x + y) % 256, (5*y + 2*x) % 256, (x*y) % 256)])
PY
for s in grey8 grey16 rgb8; do
  tiffcp -c lzw -r 8 src-$s.tif $s-lzw.tif
  tiffcp -c lzw:2 -r 8 src-$s.tif $s-lzw-predictor.tif
  tiffcp -c zip:2 -r 5 src-$s.tif $s-deflate-predictor.tif
done
tiffcp -c lzw -t -w 16 -l 16 src-grey8.tif grey8-lzw-tiles.tif
tiffcp -c lzw -t -w 16 -l 16 src-grey16.tif grey16-lzw-tiles.tif
rm src-*.tif
ls -l *.tif
