/**
 * The segmentation network: a 2D U-Net (Ronneberger et al. 2015) with instance normalisation
 * (Ulyanov et al. 2016), seeded Glorot-uniform initialisation, softmax output.
 *
 *   const model = buildUNet({ ...DEFAULT_UNET, inputHeight: 64, inputWidth: 64 });
 *   const probs = model.predict(images) as tf.Tensor4D; // [B, H, W, numClasses]
 *
 * Importing this module registers the InstanceNormalization layer with tf.serialization, which
 * tf.loadLayersModel needs to read a saved U-Net back.
 */
export {
  INSTANCE_NORM_EPSILON,
  InstanceNormalization,
  instanceNorm,
  instanceNormComposite,
  instanceNormalization,
  type InstanceNormalizationArgs,
} from './instanceNorm';
export {
  DEFAULT_UNET,
  UNET_LAYER_NAMES,
  UNET_LIMITS,
  UNetConfigError,
  buildUNet,
  countParameters,
  describeUNet,
  levelFilters,
  resolveUNetConfig,
  validateUNetConfig,
  type UNetConfig,
} from './unet';
