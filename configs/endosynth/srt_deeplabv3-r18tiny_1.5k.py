# The full method (Ours) on EndoSynth: BL+AL plus class-balanced pseudo
# labels with the superpixel prior (Eq. 5, Algorithms 1-2) and the SRT
# centroid loss (Eq. 7, Algorithm 3).
_base_ = ['./bl-al_deeplabv3-r18tiny_1.5k.py', '../_base_/uda/srt.py']
model = dict(
    pseudo_labeler={{_base_.pseudo_labeler}}, srt_loss={{_base_.srt_loss}})
