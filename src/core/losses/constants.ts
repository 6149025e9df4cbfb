/** Keras' epsilon: probabilities are clipped to [EPSILON, 1 − EPSILON] where a loss says so. */
export const EPSILON = 1e-7;
