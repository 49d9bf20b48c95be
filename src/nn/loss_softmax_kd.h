/* loss_softmax_kd.h - the alternative loss of PyCIL's iCaRL: softmax cross-entropy on all
 * outputs plus Hinton knowledge distillation on the old outputs at temperature T:
 *   L = CE(softmax(z), y) + KD,  KD = - sum_j softmax(z_old / T)_j log softmax(z[:old] / T)_j,
 * both averaged over the batch (PyCIL's _KD_loss, no T^2 factor). */
#ifndef ICARL_NN_LOSS_SOFTMAX_KD_H
#define ICARL_NN_LOSS_SOFTMAX_KD_H

/* logits (N, classes); labels (N); old_logits (N, old_classes) or NULL when old_classes == 0.
 * Writes grad_logits (N, classes); returns the loss. */
float softmax_kd_loss(int batch, int classes, const float *logits, const int *labels,
                      int old_classes, const float *old_logits, float temperature,
                      float *grad_logits);

#endif
