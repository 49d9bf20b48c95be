/* loss_sigmoid.h - iCaRL's loss: per-output sigmoid binary cross-entropy with soft targets.
 * New classes get one-hot targets (classification), old classes the old network's sigmoid
 * outputs q (distillation); both are just targets in [0, 1] here. */
#ifndef ICARL_NN_LOSS_SIGMOID_H
#define ICARL_NN_LOSS_SIGMOID_H

/* logits, targets, grad_logits (N, classes). Returns the loss summed over outputs and averaged
 * over the batch; grad_logits = (sigmoid(logits) - targets) / N. Stable for large |logits|. */
float sigmoid_bce_loss(int batch, int classes, const float *logits, const float *targets,
                       float *grad_logits);

#endif
