/**
 * The segmentation networks: a 2D U-Net (Ronneberger et al. 2015) and a 3D U-Net (Çiçek et al.
 * 2016) with instance normalisation (Ulyanov et al. 2016), seeded Glorot-uniform
 * initialisation, softmax output.
 *
 *   const model = buildUNet({ ...DEFAULT_UNET, inputHeight: 64, inputWidth: 64 });
 *   const probs = model.predict(images) as tf.Tensor4D; // [B, H, W, numClasses]
 *   const model3d = buildUNet3D(DEFAULT_UNET3D);
 *   const probs3d = model3d.predict(volumes) as tf.Tensor5D; // [B, D, H, W, numClasses]
 *
 * Importing this module registers the InstanceNormalization and UpConvolution3D layers with
 * tf.serialization, which tf.loadLayersModel needs to read a saved U-Net back.
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
export {
  DEFAULT_UNET3D,
  UNET3D_GRADIENT_FACTOR,
  UNET3D_LAYER_NAMES,
  UNET3D_LIMITS,
  UpConvolution3D,
  buildUNet3D,
  countParameters3D,
  describeUNet3D,
  estimateUNet3DMemory,
  resolveUNet3DConfig,
  upConvolution3d,
  validateUNet3DConfig,
  type UNet3DConfig,
  type UpConvolution3DArgs,
} from './unet3d';
