/** What the picture formats decoded by ../image2d.ts share: sniffing and decoding there, row 0 at the top. */
import { decodeImage, detectImageFormat, type ImageFormat } from '../image2d';
import type { FormatDescriptor } from './types';

/** `id` is detectImageFormat's name for the format, which decodeImage also sets as `Volume.source.format`. */
export function pictureFormat<S extends ImageFormat>(
  id: S,
  label: string,
  extensions: readonly string[],
  more: Pick<FormatDescriptor<S>, 'write' | 'lossy'> = {},
): FormatDescriptor<S> {
  return {
    id,
    label,
    kind: 'image2d',
    extensions,
    sourceFormats: [id],
    sniff: (bytes) => detectImageFormat(bytes) === id,
    read: (bytes, name) => decodeImage(bytes, name),
    rows: 'top-down',
    ...more,
  };
}
