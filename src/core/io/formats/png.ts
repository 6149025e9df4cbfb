/** PNG pictures (decoded in ../image2d.ts); predicted masks of every single-slice image are written as PNG (../maskPng.ts). */
import { encodeMaskPng } from '../maskPng';
import { pictureFormat } from './picture';
import type { FormatDescriptor } from './types';

export const png: FormatDescriptor<'png'> = pictureFormat('png', 'PNG', ['png'], {
  write: {
    extension: 'png',
    mime: 'image/png',
    // Any single-slice image: masks of JPEG, TIFF, GIF and BMP pictures are written as PNG too.
    accepts: (image) => image.dims[2] === 1,
    write: (labels, image, opts) => encodeMaskPng(labels, image.dims[0], image.dims[1], { scaleBinary: opts.scaleBinary }),
  },
});
