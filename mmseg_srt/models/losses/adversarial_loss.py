"""The adversarial objective L_D (paper Eq. 6) on discriminator logits.

Eq. 6 reads ``E_t[log D(S2(x_t))] + E_s[log(1 - D(S2(x_s)))]``: D scores the
probability that a map comes from the TARGET domain, so the target's label is
1 and the source's 0. D maximises Eq. 6, i.e. minimises the binary
cross-entropy of its logits against those labels; S2 is trained to fool it,
i.e. to make D give target maps the source label. ``gan_type='vanilla'``
is that cross-entropy (the paper's); ``'lsgan'`` is the least-squares
variant (Mao et al. 2017), the mean squared error to the same labels.
"""
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

SOURCE_LABEL = 0.
TARGET_LABEL = 1.


@MODELS.register_module()
class AdversarialLoss(nn.Module):
    """GAN loss of discriminator logits against a constant domain label.

    Args:
        gan_type: ``'vanilla'`` (binary cross-entropy with logits) or
            ``'lsgan'`` (mean squared error on the raw outputs).
        loss_weight: Multiplies the loss (the paper's eta for S2's term).
        loss_name: Key of the loss in the log (starts with ``loss_``).
    """

    def __init__(self,
                 gan_type: str = 'vanilla',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_adv') -> None:
        super().__init__()
        if gan_type not in ('vanilla', 'lsgan'):
            raise ValueError(f"gan_type must be 'vanilla' or 'lsgan', got "
                             f'{gan_type!r}')
        self.gan_type = gan_type
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, logits: Tensor, domain_label: float) -> Tensor:
        target = logits.new_full(logits.shape, float(domain_label))
        if self.gan_type == 'vanilla':
            loss = F.binary_cross_entropy_with_logits(logits, target)
        else:
            loss = F.mse_loss(logits, target)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        return self._loss_name
