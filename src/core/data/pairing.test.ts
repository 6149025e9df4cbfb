import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../testing/random';
import { pairFiles, pairManually, unpair, UNPLACED_REASON, type Pairing } from './pairing';

/** The paths as pairing documents them: forward slashes, no leading slash. */
const clean = (path: string) => path.replace(/\\/g, '/').replace(/^\/+/, '');

/** Every path given comes back exactly once (a repeated path once per time it was given), and no reason is empty. */
function expectEachPathOnce(paths: string[], p: Pairing, context = ''): void {
  const given = paths.map(clean).sort();
  const back = [...p.pairs.flatMap((x) => [x.image, x.mask, ...(x.roi ? [x.roi] : [])]), ...p.unpaired.map((u) => u.path), ...p.ignored.map((u) => u.path)].sort();
  expect(back, context).toEqual(given);
  for (const u of [...p.unpaired, ...p.ignored]) {
    expect(u.reason, context).not.toBe('');
    expect(u.reason, context).not.toBe(UNPLACED_REASON);
  }
  expect(new Set(p.pairs.map((x) => x.id)).size, context).toBe(p.pairs.length);
}

/** pairFiles, checked to account for every path. */
function pair(paths: string[]): Pairing {
  const p = pairFiles(paths);
  expectEachPathOnce(paths, p);
  return p;
}

describe('DRIVE', () => {
  const files = [
    'DRIVE/training/images/21_training.tif',
    'DRIVE/training/images/22_training.tif',
    'DRIVE/training/1st_manual/21_manual1.gif',
    'DRIVE/training/1st_manual/22_manual1.gif',
    'DRIVE/training/mask/21_training_mask.gif',
    'DRIVE/training/mask/22_training_mask.gif',
    'DRIVE/test/images/01_test.tif',
    'DRIVE/test/1st_manual/01_manual1.gif',
    'DRIVE/test/2nd_manual/01_manual2.gif',
    'DRIVE/test/mask/01_test_mask.gif',
  ];
  const p = pair(files);
  it('pairs images with 1st_manual, uses mask/ as the field of view, keeps the own split', () => {
    expect(p.layout).toBe('DRIVE');
    expect(p.pairs).toEqual([
      { id: '01', image: 'DRIVE/test/images/01_test.tif', mask: 'DRIVE/test/1st_manual/01_manual1.gif', roi: 'DRIVE/test/mask/01_test_mask.gif', ownSplit: 'test' },
      { id: '21', image: 'DRIVE/training/images/21_training.tif', mask: 'DRIVE/training/1st_manual/21_manual1.gif', roi: 'DRIVE/training/mask/21_training_mask.gif', ownSplit: 'train' },
      { id: '22', image: 'DRIVE/training/images/22_training.tif', mask: 'DRIVE/training/1st_manual/22_manual1.gif', roi: 'DRIVE/training/mask/22_training_mask.gif', ownSplit: 'train' },
    ]);
  });
  it("lists the second observer's annotation as not used, with the reason", () => {
    expect(p.unpaired).toEqual([{ path: 'DRIVE/test/2nd_manual/01_manual2.gif', reason: expect.stringMatching(/second observer/) }]);
  });
});

describe('CVC-ClinicDB', () => {
  it('pairs Original/ with Ground Truth/ by name', () => {
    const p = pair(['CVC-ClinicDB/Original/1.tif', 'CVC-ClinicDB/Original/2.tif', 'CVC-ClinicDB/Ground Truth/1.tif', 'CVC-ClinicDB/Ground Truth/2.tif']);
    expect(p.layout).toBe('CVC-ClinicDB');
    expect(p.pairs.map((x) => [x.id, x.image, x.mask])).toEqual([
      ['1', 'CVC-ClinicDB/Original/1.tif', 'CVC-ClinicDB/Ground Truth/1.tif'],
      ['2', 'CVC-ClinicDB/Original/2.tif', 'CVC-ClinicDB/Ground Truth/2.tif'],
    ]);
    expect(p.unpaired).toEqual([]);
  });
});

describe('Medical Segmentation Decathlon', () => {
  it('pairs imagesTr with labelsTr; imagesTs has no labels; dataset.json and junk are ignored', () => {
    const p = pair([
      'Task04_Hippocampus/dataset.json',
      'Task04_Hippocampus/imagesTr/hippocampus_001.nii.gz',
      'Task04_Hippocampus/imagesTr/hippocampus_003.nii.gz',
      'Task04_Hippocampus/labelsTr/hippocampus_001.nii.gz',
      'Task04_Hippocampus/labelsTr/hippocampus_003.nii.gz',
      'Task04_Hippocampus/imagesTs/hippocampus_002.nii.gz',
      'Task04_Hippocampus/imagesTr/._hippocampus_001.nii.gz',
      '__MACOSX/Task04_Hippocampus/._dataset.json',
      'Task04_Hippocampus/.DS_Store',
    ]);
    expect(p.layout).toBe('Medical Segmentation Decathlon');
    expect(p.pairs.map((x) => x.id)).toEqual(['hippocampus_001', 'hippocampus_003']);
    expect(p.unpaired).toEqual([{ path: 'Task04_Hippocampus/imagesTs/hippocampus_002.nii.gz', reason: expect.stringMatching(/without a label/) }]);
    expect(p.ignored.map((x) => x.path).sort()).toEqual([
      'Task04_Hippocampus/.DS_Store',
      'Task04_Hippocampus/dataset.json',
      'Task04_Hippocampus/imagesTr/._hippocampus_001.nii.gz',
      '__MACOSX/Task04_Hippocampus/._dataset.json',
    ]);
  });
  it("pairs nnU-Net's _0000 channel suffix", () => {
    const p = pair(['imagesTr/la_003_0000.nii.gz', 'labelsTr/la_003.nii.gz']);
    expect(p.pairs).toEqual([{ id: 'la_003', image: 'imagesTr/la_003_0000.nii.gz', mask: 'labelsTr/la_003.nii.gz' }]);
  });

  const root = fileURLToPath(new URL('../../../../shared/data/Task04_Hippocampus', import.meta.url));
  it.skipIf(!existsSync(root))('pairs all 260 cases of the real Task04_Hippocampus folder (../shared/data)', () => {
    const files = ['dataset.json', ...readdirSync(`${root}/imagesTr`).map((f) => `imagesTr/${f}`), ...readdirSync(`${root}/labelsTr`).map((f) => `labelsTr/${f}`)];
    const p = pair(files.map((f) => `Task04_Hippocampus/${f}`));
    expect(p.pairs).toHaveLength(260);
    expect(p.unpaired).toEqual([]);
    for (const x of p.pairs) expect(x.mask.replace('labelsTr', 'imagesTr')).toBe(x.image);
  });
});

describe('KiTS and BraTS', () => {
  it('pairs imaging with segmentation per case folder', () => {
    const p = pair(['kits19/data/case_00000/imaging.nii.gz', 'kits19/data/case_00000/segmentation.nii.gz', 'kits19/data/case_00001/imaging.nii.gz', 'kits19/data/case_00001/segmentation.nii.gz']);
    expect(p.layout).toBe('KiTS');
    expect(p.pairs.map((x) => [x.id, x.image, x.mask])).toEqual([
      ['case_00000', 'kits19/data/case_00000/imaging.nii.gz', 'kits19/data/case_00000/segmentation.nii.gz'],
      ['case_00001', 'kits19/data/case_00001/imaging.nii.gz', 'kits19/data/case_00001/segmentation.nii.gz'],
    ]);
  });
  it('pairs t1ce with seg and lists the other modalities as not used', () => {
    const c = 'BraTS2020/BraTS20_Training_001/BraTS20_Training_001';
    const p = pair([`${c}_flair.nii.gz`, `${c}_t1.nii.gz`, `${c}_t1ce.nii.gz`, `${c}_t2.nii.gz`, `${c}_seg.nii.gz`]);
    expect(p.layout).toBe('BraTS');
    expect(p.pairs).toEqual([{ id: 'BraTS20_Training_001', image: `${c}_t1ce.nii.gz`, mask: `${c}_seg.nii.gz` }]);
    expect(p.unpaired.map((u) => u.path).sort()).toEqual([`${c}_flair.nii.gz`, `${c}_t1.nii.gz`, `${c}_t2.nii.gz`]);
    expect(p.unpaired[0]?.reason).toMatch(/another modality of the same case; BraTS20_Training_001_t1ce.nii.gz is used/);
  });
});

describe('generic layouts', () => {
  it.each([
    ['masks', 'x.png'],
    ['labels', 'x.png'],
    ['gt', 'x.png'],
    ['masks', 'x_mask.png'],
    ['labels', 'x_label.png'],
    ['annotations', 'x_seg.png'],
    ['ground_truth', 'x_gt.png'],
  ])('images/ ↔ %s/%s', (dir, name) => {
    const p = pair(['data/images/x.jpg', `data/${dir}/${name}`]);
    expect(p.pairs).toEqual([{ id: 'x', image: 'data/images/x.jpg', mask: `data/${dir}/${name}` }]);
  });
  it('flat folders: x.png beside x_mask.png', () => {
    const p = pair(['busi/benign (1).png', 'busi/benign (1)_mask.png', 'busi/benign (2).png', 'busi/benign (2)_mask.png', 'busi/benign (2)_mask_1.png']);
    expect(p.pairs.map((x) => [x.image, x.mask])).toEqual([
      ['busi/benign (1).png', 'busi/benign (1)_mask.png'],
      ['busi/benign (2).png', 'busi/benign (2)_mask.png'],
    ]);
    // BUSI's second lesion mask is listed, not silently dropped.
    expect(p.unpaired).toEqual([{ path: 'busi/benign (2)_mask_1.png', reason: expect.stringMatching(/a further mask of busi\/benign \(2\).png \(numbered 1\)/) }]);
  });
  it('lists images without masks and masks without images, with reasons', () => {
    const p = pair(['images/a.png', 'images/b.png', 'masks/a.png', 'masks/c.png']);
    expect(p.pairs.map((x) => x.id)).toEqual(['a']);
    expect(p.unpaired).toEqual([
      { path: 'images/b.png', reason: expect.stringMatching(/no mask found/) },
      { path: 'masks/c.png', reason: 'no image found for this mask' },
    ]);
  });
  it('ignores files that are not data, and says why; an Analyze volume is named, not ignored', () => {
    const p = pair(['images/a.png', 'masks/a.png', 'README.txt', 'images/a.hdr', 'notes']);
    expect(p.ignored).toEqual([
      { path: 'README.txt', reason: '.txt is not an image or NIfTI file' },
      { path: 'notes', reason: 'no file extension' },
    ]);
    expect(p.unpaired).toEqual([{ path: 'images/a.hdr', reason: expect.stringMatching(/^Analyze 7\.5 header \(\.hdr\) is not read by the studio: .*use \.nii or \.nii\.gz/), unreadable: true }]);
  });
  it('an empty list pairs nothing', () => {
    expect(pair([])).toEqual({ pairs: [], unpaired: [], ignored: [], layout: 'none' });
  });
  it('cases with the same name in different folders get distinct ids', () => {
    const p = pair(['a/images/1.png', 'a/masks/1.png', 'b/images/1.png', 'b/masks/1.png']);
    expect(p.pairs.map((x) => x.id)).toEqual(['a/1', 'b/1']);
  });

  const kvasir = fileURLToPath(new URL('../../../../shared/data/kvasir_seg_sample', import.meta.url));
  it.skipIf(!existsSync(kvasir))('pairs the real Kvasir-SEG sample (../shared/data)', () => {
    const files = [...readdirSync(`${kvasir}/images`).map((f) => `kvasir_seg_sample/images/${f}`), ...readdirSync(`${kvasir}/masks`).map((f) => `kvasir_seg_sample/masks/${f}`)];
    const p = pair(files);
    expect(p.pairs).toHaveLength(5);
    expect(p.unpaired).toEqual([]);
  });
});

describe('more layouts seen in the wild', () => {
  it('DRIVE test/ without manual annotations: mask/ is still the field of view, never the label', () => {
    const p = pair([
      'DRIVE/training/images/21_training.tif',
      'DRIVE/training/1st_manual/21_manual1.gif',
      'DRIVE/training/mask/21_training_mask.gif',
      'DRIVE/test/images/01_test.tif',
      'DRIVE/test/mask/01_test_mask.gif',
    ]);
    expect(p.pairs.map((x) => [x.id, x.mask, x.roi])).toEqual([['21', 'DRIVE/training/1st_manual/21_manual1.gif', 'DRIVE/training/mask/21_training_mask.gif']]);
    expect(p.unpaired).toEqual([
      { path: 'DRIVE/test/images/01_test.tif', reason: 'no manual annotation for this image' },
      { path: 'DRIVE/test/mask/01_test_mask.gif', reason: 'field-of-view mask of DRIVE/test/images/01_test.tif, which is not paired (no manual annotation)' },
    ]);
  });
  it('HRF: images/ ↔ manual1/, mask/ is the field of view', () => {
    const p = pair(['HRF/images/01_dr.JPG', 'HRF/manual1/01_dr.tif', 'HRF/mask/01_dr_mask.tif']);
    expect(p.pairs).toEqual([{ id: '01_dr', image: 'HRF/images/01_dr.JPG', mask: 'HRF/manual1/01_dr.tif', roi: 'HRF/mask/01_dr_mask.tif' }]);
  });
  it('ISIC: ..._Input/ ↔ ..._GroundTruth/ with _segmentation masks', () => {
    const p = pair(['ISIC2018_Task1-2_Training_Input/ISIC_0000000.jpg', 'ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png']);
    expect(p.pairs).toEqual([{ id: 'ISIC_0000000', image: 'ISIC2018_Task1-2_Training_Input/ISIC_0000000.jpg', mask: 'ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png' }]);
  });
  it('Carvana: train/ ↔ train_masks/ with _mask names', () => {
    const p = pair(['train/0cdf5b5d0ce1_01.jpg', 'train_masks/0cdf5b5d0ce1_01_mask.gif']);
    expect(p.pairs.map((x) => [x.image, x.mask])).toEqual([['train/0cdf5b5d0ce1_01.jpg', 'train_masks/0cdf5b5d0ce1_01_mask.gif']]);
  });
  it('BraTS 2023: -t1c preferred, -seg is the label', () => {
    const c = 'BraTS-GLI-00000-000/BraTS-GLI-00000-000';
    const p = pair([`${c}-t1c.nii.gz`, `${c}-t1n.nii.gz`, `${c}-t2f.nii.gz`, `${c}-t2w.nii.gz`, `${c}-seg.nii.gz`]);
    expect(p.pairs).toEqual([{ id: 'BraTS-GLI-00000-000', image: `${c}-t1c.nii.gz`, mask: `${c}-seg.nii.gz` }]);
    expect(p.unpaired).toHaveLength(3);
  });
  it('a mask name wins over an image folder: images/x.png with images/x_mask.png', () => {
    const p = pair(['images/x.png', 'images/x_mask.png']);
    expect(p.pairs).toEqual([{ id: 'x', image: 'images/x.png', mask: 'images/x_mask.png' }]);
  });
  it("nnU-Net's further channels are listed, the first channel is used", () => {
    const p = pair(['imagesTr/prostate_00_0000.nii.gz', 'imagesTr/prostate_00_0001.nii.gz', 'labelsTr/prostate_00.nii.gz']);
    expect(p.pairs.map((x) => x.image)).toEqual(['imagesTr/prostate_00_0000.nii.gz']);
    expect(p.unpaired).toEqual([{ path: 'imagesTr/prostate_00_0001.nii.gz', reason: expect.stringMatching(/further input channel/) }]);
  });
  it('CHASE_DB1: _1stHO is the label, _2ndHO the second observer', () => {
    const p = pair(['CHASEDB1/Image_01L.jpg', 'CHASEDB1/Image_01L_1stHO.png', 'CHASEDB1/Image_01L_2ndHO.png']);
    expect(p.pairs).toEqual([{ id: 'Image_01L', image: 'CHASEDB1/Image_01L.jpg', mask: 'CHASEDB1/Image_01L_1stHO.png' }]);
    expect(p.unpaired).toEqual([{ path: 'CHASEDB1/Image_01L_2ndHO.png', reason: expect.stringMatching(/second observer/) }]);
  });
  it('upper-case extensions and Windows separators', () => {
    const p = pair(['set\\Images\\A.PNG', 'set\\Masks\\A.PNG']);
    expect(p.pairs).toEqual([{ id: 'A', image: 'set/Images/A.PNG', mask: 'set/Masks/A.PNG' }]);
  });
});

describe('corrections by hand', () => {
  it('a pair made by hand never reuses an existing id', () => {
    const p = pair(['a/images/1.png', 'a/masks/1.png', 'b/1.png', 'b/other.png']);
    const q = pairManually(p, 'b/1.png', 'b/other.png');
    expect(new Set(q.pairs.map((x) => x.id)).size).toBe(q.pairs.length);
  });
  it('pairs an unpaired image with an unpaired mask, and unpairs again', () => {
    const p = pair(['images/a.png', 'masks/b_segmentation_v2.png']);
    expect(p.pairs).toEqual([]);
    const q = pairManually(p, 'images/a.png', 'masks/b_segmentation_v2.png');
    expect(q.pairs).toEqual([{ id: 'a', image: 'images/a.png', mask: 'masks/b_segmentation_v2.png' }]);
    expect(q.unpaired).toEqual([]);
    const r = unpair(q, 'a');
    expect(r.pairs).toEqual([]);
    expect(r.unpaired.map((u) => u.path)).toEqual(['images/a.png', 'masks/b_segmentation_v2.png']);
  });
  it('re-pairing a mask frees its former image', () => {
    const p = pair(['images/a.png', 'images/b.png', 'masks/a.png']);
    const q = pairManually(p, 'images/b.png', 'masks/a.png');
    expect(q.pairs.map((x) => x.image)).toEqual(['images/b.png']);
    expect(q.unpaired.map((u) => u.path)).toEqual(['images/a.png']);
  });
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const reasonOf = (p: Pairing, path: string) => [...p.unpaired, ...p.ignored].find((u) => u.path === path)?.reason;

describe('names ending in _ and four digits are nnU-Net channels only beside a _0000 file', () => {
  it('images/img_0001.png pairs with masks/img_0001.png', () => {
    const p = pair(['images/img_0001.png', 'masks/img_0001.png']);
    expect(p.pairs).toEqual([{ id: 'img_0001', image: 'images/img_0001.png', mask: 'masks/img_0001.png' }]);
  });
  it('img_0000 … img_0099 in images/ and masks/ are 100 cases, although img_0000 exists', () => {
    const names = range(0, 99).map((n) => `img_${pad(n, 4)}.png`);
    const p = pair([...names.map((f) => `images/${f}`), ...names.map((f) => `masks/${f}`)]);
    expect(p.pairs).toHaveLength(100);
    for (const x of p.pairs) expect(x.mask.replace('masks/', 'images/')).toBe(x.image);
  });
  it('a _0000 file in another folder does not make a name a channel', () => {
    const p = pair(['a/images/c_0000.png', 'a/masks/c.png', 'b/images/c_0001.png', 'b/masks/c_0001.png']);
    expect(p.pairs.map((x) => x.image)).toEqual(['a/images/c_0000.png', 'b/images/c_0001.png']);
  });
  it('nnU-Net channels of several cases: the first channel pairs, the others are listed with their case', () => {
    const files = [...['la_001', 'la_002'].flatMap((c) => ['0000', '0001', '0002', '0003'].map((ch) => `Dataset001/imagesTr/${c}_${ch}.nii.gz`)), 'Dataset001/labelsTr/la_001.nii.gz', 'Dataset001/labelsTr/la_002.nii.gz'];
    const p = pair(files);
    expect(p.pairs.map((x) => [x.id, x.image])).toEqual([
      ['la_001', 'Dataset001/imagesTr/la_001_0000.nii.gz'],
      ['la_002', 'Dataset001/imagesTr/la_002_0000.nii.gz'],
    ]);
    expect(p.unpaired).toHaveLength(6);
    expect(reasonOf(p, 'Dataset001/imagesTr/la_002_0003.nii.gz')).toBe('a further input channel (nnU-Net _0003) of case la_002; the first channel (la_002_0000.nii.gz) is used');
  });
});

describe('folders before names: where folders name both sides, the folder decides', () => {
  it('imagesTr/nan_label.nii.gz is the image of case nan_label', () => {
    const p = pair(['Task/imagesTr/nan_label.nii.gz', 'Task/labelsTr/nan_label.nii.gz']);
    expect(p.pairs).toEqual([{ id: 'nan_label', image: 'Task/imagesTr/nan_label.nii.gz', mask: 'Task/labelsTr/nan_label.nii.gz' }]);
  });
  it('images/x_mask.png ↔ masks/x_mask.png', () => {
    const p = pair(['images/x_mask.png', 'masks/x_mask.png']);
    expect(p.pairs).toEqual([{ id: 'x_mask', image: 'images/x_mask.png', mask: 'masks/x_mask.png' }]);
  });
  it('images/x_mask.png stays a mask where no folder holds masks, judged per dataset folder', () => {
    const p = pair(['A/images/x.png', 'A/images/x_mask.png', 'B/images/y_seg.png', 'B/masks/y_seg.png']);
    expect(p.pairs.map((x) => [x.image, x.mask])).toEqual([
      ['A/images/x.png', 'A/images/x_mask.png'],
      ['B/images/y_seg.png', 'B/masks/y_seg.png'],
    ]);
  });
  it('a mask folder still strips mask suffixes: images/x.png ↔ masks/x_seg.png, and the exact name wins', () => {
    const p = pair(['images/x.png', 'images/x_seg.png', 'masks/x_seg.png', 'masks/x.png']);
    expect(p.pairs.map((x) => [x.image, x.mask])).toEqual([
      ['images/x.png', 'masks/x.png'],
      ['images/x_seg.png', 'masks/x_seg.png'],
    ]);
  });
  it('a name ending like a BraTS modality pairs by its full name in a generic layout', () => {
    const p = pair(['images/patient_t2.png', 'masks/patient_t2.png', 'images/knee_flair.png', 'masks/knee.png']);
    expect(p.pairs.map((x) => [x.id, x.mask])).toEqual([
      ['knee', 'masks/knee.png'],
      ['patient_t2', 'masks/patient_t2.png'],
    ]);
  });
  it('imagesTs/ pairs with labelsTs/ where there is one, Tr with Tr and Ts with Ts', () => {
    const p = pair(['T/imagesTr/a.nii.gz', 'T/labelsTr/a.nii.gz', 'T/imagesTs/a.nii.gz', 'T/labelsTs/a.nii.gz', 'T/imagesTs/b.nii.gz']);
    expect(p.pairs.map((x) => [x.image, x.mask])).toEqual([
      ['T/imagesTr/a.nii.gz', 'T/labelsTr/a.nii.gz'],
      ['T/imagesTs/a.nii.gz', 'T/labelsTs/a.nii.gz'],
    ]);
    expect(p.unpaired.map((u) => u.path)).toEqual(['T/imagesTs/b.nii.gz']);
  });
});

describe('every file left out is named with its reason', () => {
  it('a path given twice is used once and listed once more as repeated', () => {
    const p = pair(['images/a.png', 'masks/a.png', 'images/a.png', 'images\\a.png']);
    expect(p.pairs).toHaveLength(1);
    expect(p.ignored).toEqual([
      { path: 'images/a.png', reason: expect.stringMatching(/more than once/) },
      { path: 'images/a.png', reason: expect.stringMatching(/more than once/) },
    ]);
  });
  it('two images with one name: the one with the mask’s extension pairs, the other says which took the mask', () => {
    const p = pair(['images/a.jpg', 'images/a.png', 'masks/a.png']);
    expect(p.pairs).toEqual([{ id: 'a', image: 'images/a.png', mask: 'masks/a.png' }]);
    expect(p.unpaired).toEqual([{ path: 'images/a.jpg', reason: expect.stringMatching(/^another image with a matching name, images\/a\.png, is paired with masks\/a\.png/) }]);
  });
  it('two images with one name and two masks make two pairs; no mask is taken as a spare', () => {
    const p = pair(['images/a.png', 'images/a.jpg', 'masks/a.png', 'masks/a_mask.png']);
    expect(p.pairs.map((x) => [x.image, x.mask]).sort()).toEqual([
      ['images/a.jpg', 'masks/a_mask.png'],
      ['images/a.png', 'masks/a.png'],
    ]);
  });
  it('a second mask of one image is listed as such', () => {
    const p = pair(['images/x.png', 'masks/x.png', 'masks/x_mask.png']);
    expect(p.pairs.map((x) => x.mask)).toEqual(['masks/x.png']);
    expect(p.unpaired).toEqual([{ path: 'masks/x_mask.png', reason: 'a second mask for images/x.png; masks/x.png is used' }]);
  });
  it('names that differ only in letter case pair with their own case', () => {
    const p = pair(['images/A.png', 'images/a.png', 'masks/a.png', 'masks/A.png']);
    expect(p.pairs.map((x) => [x.id, x.image, x.mask])).toEqual([
      ['a', 'images/a.png', 'masks/a.png'],
      ['A', 'images/A.png', 'masks/A.png'],
    ]);
  });
  it('mirrored folders (a/images and images/a) keep their pairs apart and get distinct ids', () => {
    const p = pair(['a/images/1.png', 'a/masks/1.png', 'images/a/1.png', 'masks/a/1.png']);
    expect(p.pairs.map((x) => [x.image, x.mask]).sort()).toEqual([
      ['a/images/1.png', 'a/masks/1.png'],
      ['images/a/1.png', 'masks/a/1.png'],
    ]);
  });
  it('BraTS cases without a segmentation list every modality', () => {
    const c = 'BraTS20_Validation_001/BraTS20_Validation_001';
    const p = pair([`${c}_flair.nii.gz`, `${c}_t1.nii.gz`, `${c}_t1ce.nii.gz`, `${c}_t2.nii.gz`]);
    expect(p.pairs).toEqual([]);
    expect(p.unpaired.map((u) => u.reason)).toEqual(Array(4).fill(expect.stringMatching(/no mask found/)));
  });
  it("KiTS23's instance annotations are listed; the aggregated segmentation is used", () => {
    const c = 'kits23/dataset/case_00000';
    const p = pair([`${c}/imaging.nii.gz`, `${c}/segmentation.nii.gz`, `${c}/instances/kidney_instance-1_annotation-1.nii.gz`]);
    expect(p.pairs).toEqual([{ id: 'case_00000', image: `${c}/imaging.nii.gz`, mask: `${c}/segmentation.nii.gz` }]);
    expect(p.unpaired).toEqual([{ path: `${c}/instances/kidney_instance-1_annotation-1.nii.gz`, reason: expect.stringMatching(/KiTS instance annotation/) }]);
  });
  it('a second field of view is listed', () => {
    const p = pair(['HRF/images/01_dr.jpg', 'HRF/manual1/01_dr.tif', 'HRF/mask/01_dr_mask.tif', 'HRF/mask/01_dr.tif']);
    expect(p.pairs.map((x) => x.roi)).toEqual(['HRF/mask/01_dr.tif']);
    expect(p.unpaired).toEqual([{ path: 'HRF/mask/01_dr_mask.tif', reason: 'a second field-of-view mask for HRF/images/01_dr.jpg; HRF/mask/01_dr.tif is used' }]);
  });

  // Random drops assembled from the folder names, file names and extensions of the layouts above.
  const roots = ['', 'data/', 'Task01_X/', 'DRIVE/training/', 'DRIVE/test/', 'a/b/', 'case_00000/'];
  const folders = ['', '', 'images/', 'masks/', 'labels/', 'gt/', 'imagesTr/', 'labelsTr/', 'imagesTs/', 'labelsTs/', 'mask/', '1st_manual/', '2nd_manual/', 'manual1/', 'train/', 'train_masks/', 'fov/', 'instances/', 'Original/', 'Ground Truth/', '__MACOSX/', 'X_Input/', 'X_GroundTruth/'];
  const stems = ['x', 'X', 'y', 'x_mask', 'x_mask_1', 'x_seg', 'x_label', 'nan_label', 'case_1', 'case_1000', 'img_0000', 'img_0001', 'q_0000', 'q_0001', 'q', 'p_t1ce', 'p_flair', 'p-t1c', 'p_seg', 'p', '21_training', '21_manual1', '21_training_mask', '21_manual2', 'imaging', 'segmentation', 'Image_01L_1stHO', 'Image_01L_2ndHO', '._x', '.hidden', 'x_0000'];
  const exts = ['.png', '.png', '.jpg', '.nii.gz', '.nii.gz', '.nii', '.tif', '.gif', '.webp', '.dcm', '.txt', '', '.gz', '.mha.gz', '.tar.gz', '.zip', '.raw', '.mhd', '.hdr', '.img', '.json'];
  it('600 random drops: every path is paired, unpaired or ignored exactly once, also after corrections by hand', () => {
    const rand = mulberry32(2024);
    const pick = <T,>(list: T[]): T => list[Math.floor(rand() * list.length)] as T;
    for (let t = 0; t < 600; t++) {
      const paths: string[] = [];
      const n = 1 + Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) {
        let path = pick(roots) + pick(folders) + pick(stems) + pick(exts);
        if (rand() < 0.05) path = path.replace(/\//g, '\\');
        if (rand() < 0.05) path = `/${path}`;
        paths.push(path);
        if (rand() < 0.08) paths.push(path);
      }
      const context = JSON.stringify(paths);
      const p = pairFiles(paths);
      expectEachPathOnce(paths, p, context);
      const files = [...p.pairs.flatMap((x) => [x.image, x.mask, ...(x.roi ? [x.roi] : [])]), ...p.unpaired.map((u) => u.path)];
      const image = pick(files);
      const mask = pick(files);
      if (image !== undefined && mask !== undefined && image !== mask) expectEachPathOnce(paths, pairManually(p, image, mask), `${context} by hand ${image} ↔ ${mask}`);
      const gone = p.pairs[0];
      if (gone) expectEachPathOnce(paths, unpair(p, gone.id), `${context} unpair ${gone.id}`);
    }
  });
});

describe('formats the studio does not read are named, with what to do', () => {
  it.each([
    ['series/IM0001.dcm', /^DICOM \(\.dcm\) is not read by the studio: convert the series to NIfTI, e\.g\. with dcm2niix$/],
    ['images/a.webp', /^WebP image \(\.webp\) is not read by the studio: save it as PNG$/],
    ['images/a.avif', /^AVIF image .*PNG/],
    ['images/a.HEIC', /^HEIC image .*PNG/],
    ['images/a.jp2', /^JPEG 2000 image .*PNG or TIFF/],
    ['vol/a.nrrd', /^NRRD volume .*NIfTI/],
    ['vol/a.mha', /^MetaImage volume .*NIfTI/],
    ['vol/a.mhd', /^MetaImage header .*NIfTI/],
    ['vol/a.mgz', /^FreeSurfer volume .*mri_convert/],
    ['vol/a.hdr', /^Analyze 7\.5 header .*use \.nii or \.nii\.gz/],
    ['vol/a.img', /^Analyze 7\.5 image data .*use \.nii or \.nii\.gz/],
    ['arrays/a.npy', /^NumPy array .*NIfTI .*PNG/],
    ['arrays/a.h5', /^HDF5 file .*NIfTI .*PNG/],
    ['vol/a.mha.gz', /^gzip-compressed MetaImage volume \(\.mha\.gz\)/],
    ['images/a.png.gz', /^gzip-compressed image \(\.png\.gz\).*gunzip/],
    ['vol/a.gz', /^\.gz is not a supported volume \(use \.nii or \.nii\.gz\)$/],
    ['data.tar.gz', /^archive \(\.tar\.gz\) is not opened by the studio: unpack it/],
    ['inner.zip', /^a zip archive inside another is not opened/],
  ])('%s is unpaired: %s', (path, reason) => {
    const p = pair(['images/x.png', 'masks/x.png', path]);
    expect(p.pairs).toHaveLength(1);
    expect(p.ignored).toEqual([]);
    expect(p.unpaired).toEqual([{ path, reason: expect.stringMatching(reason), unreadable: true }]);
  });
  it("a MetaImage header's .raw data file is named; a lone .raw is not data", () => {
    const p = pair(['vol/a.mhd', 'vol/a.raw', 'other/b.raw']);
    expect(reasonOf(p, 'vol/a.raw')).toMatch(/^the data file of a\.mhd \(MetaImage\)/);
    expect(p.ignored).toEqual([{ path: 'other/b.raw', reason: '.raw is not an image or NIfTI file' }]);
  });
  it('files that are not data stay ignored', () => {
    const junk = ['notes.txt', 'meta.csv', 'info.json', 'README.md', '.DS_Store', '__MACOSX/images/._x.png', 'Task/dataset.json', 'table.csv.gz'];
    const p = pair(['images/x.png', 'masks/x.png', ...junk]);
    expect(p.unpaired).toEqual([]);
    expect(p.ignored.map((u) => u.path)).toEqual(junk);
  });
});

describe('pair counts for naming patterns of real datasets (expected counts from the layouts as built)', () => {
  it('numbered cases: case_1 … case_2000 → 2000 pairs', () => {
    const p = pair(range(1, 2000).flatMap((n) => [`images/case_${n}.png`, `masks/case_${n}.png`]));
    expect([p.pairs.length, p.unpaired.length]).toEqual([2000, 0]);
  });
  it('numbered cases: img_0001 … img_0100 → 100 pairs; 0001.png … 0612.png (CVC-ClinicDB) → 612 pairs', () => {
    const img = pair(range(1, 100).flatMap((n) => [`images/img_${pad(n, 4)}.png`, `masks/img_${pad(n, 4)}.png`]));
    expect([img.pairs.length, img.unpaired.length]).toEqual([100, 0]);
    const cvc = pair(range(1, 612).flatMap((n) => [`CVC-ClinicDB/Original/${pad(n, 4)}.png`, `CVC-ClinicDB/Ground Truth/${pad(n, 4)}.png`]));
    expect([cvc.pairs.length, cvc.unpaired.length]).toEqual([612, 0]);
  });
  it('mask words inside names: images/liver_seg_01 … _20 ↔ masks/ → 20 pairs; imagesTr/{nan_label, x_mask, y_seg} ↔ labelsTr → 3 pairs', () => {
    const liver = pair(range(1, 20).flatMap((n) => [`images/liver_seg_${pad(n, 2)}.png`, `masks/liver_seg_${pad(n, 2)}.png`]));
    expect([liver.pairs.length, liver.unpaired.length]).toEqual([20, 0]);
    expect(liver.pairs[0]?.id).toBe('liver_seg_01');
    const msd = pair(['nan_label', 'x_mask', 'y_seg'].flatMap((c) => [`Task/imagesTr/${c}.nii.gz`, `Task/labelsTr/${c}.nii.gz`]));
    expect(msd.pairs.map((x) => x.id)).toEqual(['nan_label', 'x_mask', 'y_seg']);
  });
  it('nnU-Net channels: case_0000, case_0001, case_0002 in imagesTr + case in labelsTr, 5 cases → 5 pairs, 10 further channels', () => {
    const cases = range(1, 5).map((n) => `case${n}`);
    const p = pair([...cases.flatMap((c) => ['0000', '0001', '0002'].map((ch) => `imagesTr/${c}_${ch}.nii.gz`)), ...cases.map((c) => `labelsTr/${c}.nii.gz`)]);
    expect([p.pairs.length, p.unpaired.length]).toEqual([5, 10]);
    expect(p.unpaired.every((u) => /further input channel/.test(u.reason))).toBe(true);
  });
  it('BraTS 2020: 10 cases × (flair, t1, t1ce, t2, seg) + 2 CSV files → 10 pairs, 30 other modalities, 2 ignored', () => {
    const root = 'MICCAI_BraTS2020_TrainingData';
    const cases = range(1, 10).map((n) => `BraTS20_Training_${pad(n, 3)}`);
    const p = pair([...cases.flatMap((c) => ['flair', 't1', 't1ce', 't2', 'seg'].map((m) => `${root}/${c}/${c}_${m}.nii.gz`)), `${root}/name_mapping.csv`, `${root}/survival_info.csv`]);
    expect([p.pairs.length, p.unpaired.length, p.ignored.length]).toEqual([10, 30, 2]);
    expect(p.pairs.every((x) => x.image.endsWith('_t1ce.nii.gz'))).toBe(true);
  });
  it('BraTS 2023: 10 cases × (t1c, t1n, t2f, t2w, seg) → 10 pairs, 30 other modalities', () => {
    const cases = range(0, 9).map((n) => `BraTS-GLI-${pad(n, 5)}-000`);
    const p = pair(cases.flatMap((c) => ['t1c', 't1n', 't2f', 't2w', 'seg'].map((m) => `ASNR-MICCAI-BraTS2023-GLI-Challenge-TrainingData/${c}/${c}-${m}.nii.gz`)));
    expect([p.pairs.length, p.unpaired.length]).toEqual([10, 30]);
    expect(p.pairs.every((x) => x.image.endsWith('-t1c.nii.gz'))).toBe(true);
  });
  it('DRIVE: 20 training + 20 test cases with manual, field of view, and a second observer for test → 40 pairs, 20 unpaired', () => {
    const train = range(21, 40).flatMap((n) => [`DRIVE/training/images/${n}_training.tif`, `DRIVE/training/1st_manual/${n}_manual1.gif`, `DRIVE/training/mask/${n}_training_mask.gif`]);
    const test = range(1, 20).flatMap((n) => [`DRIVE/test/images/${pad(n, 2)}_test.tif`, `DRIVE/test/1st_manual/${pad(n, 2)}_manual1.gif`, `DRIVE/test/2nd_manual/${pad(n, 2)}_manual2.gif`, `DRIVE/test/mask/${pad(n, 2)}_test_mask.gif`]);
    const p = pair([...train, ...test]);
    expect([p.pairs.length, p.unpaired.length, p.pairs.filter((x) => x.roi).length]).toEqual([40, 20, 40]);
    expect(p.pairs.filter((x) => x.ownSplit === 'test')).toHaveLength(20);
  });
  it('ISIC 2018 task 1: 2594 images ↔ _segmentation masks, with LICENSE and ATTRIBUTION files → 2594 pairs, 4 ignored', () => {
    const input = 'ISIC2018_Task1-2_Training_Input';
    const truth = 'ISIC2018_Task1_Training_GroundTruth';
    const ids = range(0, 2593).map((n) => `ISIC_${pad(n, 7)}`);
    const p = pair([...ids.flatMap((id) => [`${input}/${id}.jpg`, `${truth}/${id}_segmentation.png`]), `${input}/LICENSE.txt`, `${input}/ATTRIBUTION.txt`, `${truth}/LICENSE.txt`, `${truth}/ATTRIBUTION.txt`]);
    expect([p.pairs.length, p.unpaired.length, p.ignored.length]).toEqual([2594, 0, 4]);
  });
  it('Kvasir-SEG: 1000 images/ ↔ masks/ of the same names, with the bounding-box JSON → 1000 pairs, 1 ignored', () => {
    const rand = mulberry32(7);
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const ids = new Set<string>();
    while (ids.size < 1000) ids.add(`cju${Array.from({ length: 22 }, () => letters[Math.floor(rand() * letters.length)]).join('')}`);
    const p = pair([...[...ids].flatMap((id) => [`Kvasir-SEG/images/${id}.jpg`, `Kvasir-SEG/masks/${id}.jpg`]), 'Kvasir-SEG/kavsir_bboxes.json']);
    expect([p.pairs.length, p.unpaired.length, p.ignored.length]).toEqual([1000, 0, 1]);
  });
  it('Carvana: 318 cars × 16 views in train/ ↔ train_masks/ (_mask.gif), 2 cars in test/ without masks, 2 CSV files → 5088 pairs, 32 unpaired, 2 ignored', () => {
    const rand = mulberry32(11);
    const cars = (count: number) => range(1, count).map(() => Array.from({ length: 12 }, () => Math.floor(rand() * 16).toString(16)).join(''));
    const views = range(1, 16).map((v) => pad(v, 2));
    const train = cars(318).flatMap((car) => views.flatMap((v) => [`train/${car}_${v}.jpg`, `train_masks/${car}_${v}_mask.gif`]));
    const test = cars(2).flatMap((car) => views.map((v) => `test/${car}_${v}.jpg`));
    const p = pair([...train, ...test, 'train_masks.csv', 'metadata.csv']);
    expect([p.pairs.length, p.unpaired.length, p.ignored.length]).toEqual([5088, 32, 2]);
    for (const x of p.pairs) expect(x.mask).toBe(x.image.replace('train/', 'train_masks/').replace('.jpg', '_mask.gif'));
  });
});

describe('corrections by hand keep every file', () => {
  const drive = ['DRIVE/training/images/21_training.tif', 'DRIVE/training/1st_manual/21_manual1.gif', 'DRIVE/training/mask/21_training_mask.gif', 'other/x_annotation.gif'];
  it('a new mask for an image keeps its field of view and own split; the old mask is listed', () => {
    const p = pair(drive);
    const q = pairManually(p, 'DRIVE/training/images/21_training.tif', 'other/x_annotation.gif');
    expect(q.pairs).toEqual([{ id: '21_training', image: 'DRIVE/training/images/21_training.tif', mask: 'other/x_annotation.gif', roi: 'DRIVE/training/mask/21_training_mask.gif', ownSplit: 'train' }]);
    expect(q.unpaired).toEqual([{ path: 'DRIVE/training/1st_manual/21_manual1.gif', reason: 'its image was paired with another mask by hand' }]);
    expectEachPathOnce(drive, q);
  });
  it('unpairing returns the field of view too', () => {
    const p = pair(drive);
    const r = unpair(p, '21');
    expect(r.unpaired.map((u) => u.path).sort()).toEqual([...drive].sort());
    expectEachPathOnce(drive, r);
  });
});
