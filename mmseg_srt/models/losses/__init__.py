from .adversarial_loss import SOURCE_LABEL, TARGET_LABEL, AdversarialLoss

__all__ = ['AdversarialLoss', 'SOURCE_LABEL', 'TARGET_LABEL']
