/** TIFF pictures, first page (decoded in ../image2d.ts). */
import { pictureFormat } from './picture';
import type { FormatDescriptor } from './types';

export const tiff: FormatDescriptor<'tiff'> = pictureFormat('tiff', 'TIFF', ['tif', 'tiff']);
