# The quick start's main job on the embedded EndoSynth data. It grows with the
# method: now BL+AL (adapter + output-space discriminator); pseudo labels and
# the SRT loss join as they land. The file name and command stay.
_base_ = ['./endosynth/bl-al_deeplabv3-r18tiny_1.5k.py']
