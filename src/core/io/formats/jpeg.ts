/** JPEG pictures (decoded in ../image2d.ts); lossy, so masks stored as JPEG are read with care (core/data/labels.ts). */
import { pictureFormat } from './picture';
import type { FormatDescriptor } from './types';

export const jpeg: FormatDescriptor<'jpeg'> = pictureFormat('jpeg', 'JPEG', ['jpg', 'jpeg', 'jpe', 'jfif'], { lossy: true });
