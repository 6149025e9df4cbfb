/** BMP pictures (decoded in ../image2d.ts, which reverses bottom-up files to row 0 at the top). */
import { pictureFormat } from './picture';
import type { FormatDescriptor } from './types';

export const bmp: FormatDescriptor<'bmp'> = pictureFormat('bmp', 'BMP', ['bmp']);
