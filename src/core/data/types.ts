/**
 * Dataset types: what the readers' volumes become once images are paired with masks and label
 * values are mapped to classes. Plain data (typed arrays), transferable to a worker.
 */
import type { Volume } from '../io/volume';

export type SplitName = 'train' | 'validation' | 'test';

/** An image with its class labels on the same voxel grid. */
export interface Case {
  id: string;
  image: Volume;
  /** Class index per voxel (0 = background, 1..C−1 the classes), x fastest as in Volume. */
  labels: Uint8Array;
  /** Field of view (nonzero = inside), e.g. DRIVE's mask/ files; metrics are restricted to it. */
  roi?: Uint8Array;
  /** The dataset's own split, when it has one (e.g. DRIVE's training/ and test/ folders). */
  ownSplit?: SplitName;
}

/** A 2D training sample: one channel-last image [height, width, channels] and its labels. */
export interface Sample2D {
  width: number;
  height: number;
  channels: number;
  /** Float32 intensities, (y·width + x)·channels + c. */
  image: Float32Array;
  /** Class index per pixel, y·width + x. */
  labels: Uint8Array;
  roi?: Uint8Array;
}
