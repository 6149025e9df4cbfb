import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pairFiles, pairManually, unpair } from './pairing';

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
  const p = pairFiles(files);
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
    const p = pairFiles(['CVC-ClinicDB/Original/1.tif', 'CVC-ClinicDB/Original/2.tif', 'CVC-ClinicDB/Ground Truth/1.tif', 'CVC-ClinicDB/Ground Truth/2.tif']);
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
    const p = pairFiles([
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
    const p = pairFiles(['imagesTr/la_003_0000.nii.gz', 'labelsTr/la_003.nii.gz']);
    expect(p.pairs).toEqual([{ id: 'la_003', image: 'imagesTr/la_003_0000.nii.gz', mask: 'labelsTr/la_003.nii.gz' }]);
  });

  const root = fileURLToPath(new URL('../../../../shared/data/Task04_Hippocampus', import.meta.url));
  it.skipIf(!existsSync(root))('pairs all 260 cases of the real Task04_Hippocampus folder (../shared/data)', () => {
    const files = ['dataset.json', ...readdirSync(`${root}/imagesTr`).map((f) => `imagesTr/${f}`), ...readdirSync(`${root}/labelsTr`).map((f) => `labelsTr/${f}`)];
    const p = pairFiles(files.map((f) => `Task04_Hippocampus/${f}`));
    expect(p.pairs).toHaveLength(260);
    expect(p.unpaired).toEqual([]);
    for (const x of p.pairs) expect(x.mask.replace('labelsTr', 'imagesTr')).toBe(x.image);
  });
});

describe('KiTS and BraTS', () => {
  it('pairs imaging with segmentation per case folder', () => {
    const p = pairFiles(['kits19/data/case_00000/imaging.nii.gz', 'kits19/data/case_00000/segmentation.nii.gz', 'kits19/data/case_00001/imaging.nii.gz', 'kits19/data/case_00001/segmentation.nii.gz']);
    expect(p.layout).toBe('KiTS');
    expect(p.pairs.map((x) => [x.id, x.image, x.mask])).toEqual([
      ['case_00000', 'kits19/data/case_00000/imaging.nii.gz', 'kits19/data/case_00000/segmentation.nii.gz'],
      ['case_00001', 'kits19/data/case_00001/imaging.nii.gz', 'kits19/data/case_00001/segmentation.nii.gz'],
    ]);
  });
  it('pairs t1ce with seg and lists the other modalities as not used', () => {
    const c = 'BraTS2020/BraTS20_Training_001/BraTS20_Training_001';
    const p = pairFiles([`${c}_flair.nii.gz`, `${c}_t1.nii.gz`, `${c}_t1ce.nii.gz`, `${c}_t2.nii.gz`, `${c}_seg.nii.gz`]);
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
    const p = pairFiles(['data/images/x.jpg', `data/${dir}/${name}`]);
    expect(p.pairs).toEqual([{ id: 'x', image: 'data/images/x.jpg', mask: `data/${dir}/${name}` }]);
  });
  it('flat folders: x.png beside x_mask.png', () => {
    const p = pairFiles(['busi/benign (1).png', 'busi/benign (1)_mask.png', 'busi/benign (2).png', 'busi/benign (2)_mask.png', 'busi/benign (2)_mask_1.png']);
    expect(p.pairs.map((x) => [x.image, x.mask])).toEqual([
      ['busi/benign (1).png', 'busi/benign (1)_mask.png'],
      ['busi/benign (2).png', 'busi/benign (2)_mask.png'],
    ]);
    // BUSI's second lesion mask is listed, not silently dropped.
    expect(p.unpaired).toEqual([{ path: 'busi/benign (2)_mask_1.png', reason: expect.stringMatching(/a further mask of busi\/benign \(2\).png \(numbered 1\)/) }]);
  });
  it('lists images without masks and masks without images, with reasons', () => {
    const p = pairFiles(['images/a.png', 'images/b.png', 'masks/a.png', 'masks/c.png']);
    expect(p.pairs.map((x) => x.id)).toEqual(['a']);
    expect(p.unpaired).toEqual([
      { path: 'images/b.png', reason: expect.stringMatching(/no mask found/) },
      { path: 'masks/c.png', reason: 'no image found for this mask' },
    ]);
  });
  it('ignores files that are not images, and says why', () => {
    const p = pairFiles(['images/a.png', 'masks/a.png', 'README.txt', 'images/a.hdr', 'notes']);
    expect(p.ignored).toEqual([
      { path: 'README.txt', reason: '.txt is not an image or NIfTI file' },
      { path: 'images/a.hdr', reason: expect.stringMatching(/use .nii or .nii.gz/) },
      { path: 'notes', reason: 'no file extension' },
    ]);
  });
  it('an empty list pairs nothing', () => {
    expect(pairFiles([])).toEqual({ pairs: [], unpaired: [], ignored: [], layout: 'none' });
  });
  it('cases with the same name in different folders get distinct ids', () => {
    const p = pairFiles(['a/images/1.png', 'a/masks/1.png', 'b/images/1.png', 'b/masks/1.png']);
    expect(p.pairs.map((x) => x.id)).toEqual(['a/1', 'b/1']);
  });

  const kvasir = fileURLToPath(new URL('../../../../shared/data/kvasir_seg_sample', import.meta.url));
  it.skipIf(!existsSync(kvasir))('pairs the real Kvasir-SEG sample (../shared/data)', () => {
    const files = [...readdirSync(`${kvasir}/images`).map((f) => `kvasir_seg_sample/images/${f}`), ...readdirSync(`${kvasir}/masks`).map((f) => `kvasir_seg_sample/masks/${f}`)];
    const p = pairFiles(files);
    expect(p.pairs).toHaveLength(5);
    expect(p.unpaired).toEqual([]);
  });
});

describe('more layouts seen in the wild', () => {
  it('DRIVE test/ without manual annotations: mask/ is still the field of view, never the label', () => {
    const p = pairFiles([
      'DRIVE/training/images/21_training.tif',
      'DRIVE/training/1st_manual/21_manual1.gif',
      'DRIVE/training/mask/21_training_mask.gif',
      'DRIVE/test/images/01_test.tif',
      'DRIVE/test/mask/01_test_mask.gif',
    ]);
    expect(p.pairs.map((x) => [x.id, x.mask, x.roi])).toEqual([['21', 'DRIVE/training/1st_manual/21_manual1.gif', 'DRIVE/training/mask/21_training_mask.gif']]);
    expect(p.unpaired).toEqual([
      { path: 'DRIVE/test/images/01_test.tif', reason: 'no manual annotation for this image' },
      { path: 'DRIVE/test/mask/01_test_mask.gif', reason: 'field-of-view mask without a matching image' },
    ]);
  });
  it('HRF: images/ ↔ manual1/, mask/ is the field of view', () => {
    const p = pairFiles(['HRF/images/01_dr.JPG', 'HRF/manual1/01_dr.tif', 'HRF/mask/01_dr_mask.tif']);
    expect(p.pairs).toEqual([{ id: '01_dr', image: 'HRF/images/01_dr.JPG', mask: 'HRF/manual1/01_dr.tif', roi: 'HRF/mask/01_dr_mask.tif' }]);
  });
  it('ISIC: ..._Input/ ↔ ..._GroundTruth/ with _segmentation masks', () => {
    const p = pairFiles(['ISIC2018_Task1-2_Training_Input/ISIC_0000000.jpg', 'ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png']);
    expect(p.pairs).toEqual([{ id: 'ISIC_0000000', image: 'ISIC2018_Task1-2_Training_Input/ISIC_0000000.jpg', mask: 'ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png' }]);
  });
  it('Carvana: train/ ↔ train_masks/ with _mask names', () => {
    const p = pairFiles(['train/0cdf5b5d0ce1_01.jpg', 'train_masks/0cdf5b5d0ce1_01_mask.gif']);
    expect(p.pairs.map((x) => [x.image, x.mask])).toEqual([['train/0cdf5b5d0ce1_01.jpg', 'train_masks/0cdf5b5d0ce1_01_mask.gif']]);
  });
  it('BraTS 2023: -t1c preferred, -seg is the label', () => {
    const c = 'BraTS-GLI-00000-000/BraTS-GLI-00000-000';
    const p = pairFiles([`${c}-t1c.nii.gz`, `${c}-t1n.nii.gz`, `${c}-t2f.nii.gz`, `${c}-t2w.nii.gz`, `${c}-seg.nii.gz`]);
    expect(p.pairs).toEqual([{ id: 'BraTS-GLI-00000-000', image: `${c}-t1c.nii.gz`, mask: `${c}-seg.nii.gz` }]);
    expect(p.unpaired).toHaveLength(3);
  });
  it('a mask name wins over an image folder: images/x.png with images/x_mask.png', () => {
    const p = pairFiles(['images/x.png', 'images/x_mask.png']);
    expect(p.pairs).toEqual([{ id: 'x', image: 'images/x.png', mask: 'images/x_mask.png' }]);
  });
  it("nnU-Net's further channels are listed, the first channel is used", () => {
    const p = pairFiles(['imagesTr/prostate_00_0000.nii.gz', 'imagesTr/prostate_00_0001.nii.gz', 'labelsTr/prostate_00.nii.gz']);
    expect(p.pairs.map((x) => x.image)).toEqual(['imagesTr/prostate_00_0000.nii.gz']);
    expect(p.unpaired).toEqual([{ path: 'imagesTr/prostate_00_0001.nii.gz', reason: expect.stringMatching(/further input channel/) }]);
  });
  it('CHASE_DB1: _1stHO is the label, _2ndHO the second observer', () => {
    const p = pairFiles(['CHASEDB1/Image_01L.jpg', 'CHASEDB1/Image_01L_1stHO.png', 'CHASEDB1/Image_01L_2ndHO.png']);
    expect(p.pairs).toEqual([{ id: 'Image_01L', image: 'CHASEDB1/Image_01L.jpg', mask: 'CHASEDB1/Image_01L_1stHO.png' }]);
    expect(p.unpaired).toEqual([{ path: 'CHASEDB1/Image_01L_2ndHO.png', reason: expect.stringMatching(/second observer/) }]);
  });
  it('upper-case extensions and Windows separators', () => {
    const p = pairFiles(['set\\Images\\A.PNG', 'set\\Masks\\A.PNG']);
    expect(p.pairs).toEqual([{ id: 'A', image: 'set/Images/A.PNG', mask: 'set/Masks/A.PNG' }]);
  });
});

describe('corrections by hand', () => {
  it('a pair made by hand never reuses an existing id', () => {
    const p = pairFiles(['a/images/1.png', 'a/masks/1.png', 'b/1.png', 'b/other.png']);
    const q = pairManually(p, 'b/1.png', 'b/other.png');
    expect(new Set(q.pairs.map((x) => x.id)).size).toBe(q.pairs.length);
  });
  it('pairs an unpaired image with an unpaired mask, and unpairs again', () => {
    const p = pairFiles(['images/a.png', 'masks/b_segmentation_v2.png']);
    expect(p.pairs).toEqual([]);
    const q = pairManually(p, 'images/a.png', 'masks/b_segmentation_v2.png');
    expect(q.pairs).toEqual([{ id: 'a', image: 'images/a.png', mask: 'masks/b_segmentation_v2.png' }]);
    expect(q.unpaired).toEqual([]);
    const r = unpair(q, 'a');
    expect(r.pairs).toEqual([]);
    expect(r.unpaired.map((u) => u.path)).toEqual(['images/a.png', 'masks/b_segmentation_v2.png']);
  });
  it('re-pairing a mask frees its former image', () => {
    const p = pairFiles(['images/a.png', 'images/b.png', 'masks/a.png']);
    const q = pairManually(p, 'images/b.png', 'masks/a.png');
    expect(q.pairs.map((x) => x.image)).toEqual(['images/b.png']);
    expect(q.unpaired.map((u) => u.path)).toEqual(['images/a.png']);
  });
});
