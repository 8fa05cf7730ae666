# The quick start's main job: the full method (BL+AL+PL+SRT) on the embedded
# EndoSynth data.
_base_ = ['./endosynth/srt_deeplabv3-r18tiny_1.5k.py']
