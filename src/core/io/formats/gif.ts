/** GIF pictures, first frame (decoded in ../image2d.ts and ../gif.ts). */
import { pictureFormat } from './picture';
import type { FormatDescriptor } from './types';

export const gif: FormatDescriptor<'gif'> = pictureFormat('gif', 'GIF', ['gif']);
