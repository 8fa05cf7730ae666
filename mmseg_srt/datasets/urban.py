"""Urban-scene datasets of the paper's benchmarks (section 4.3, Tables 3-4):
GTA5 and SYNTHIA-RAND-CITYSCAPES as sources with pixel labels, Cityscapes
as the target, all in their official directory layouts with the 19
Cityscapes training classes.

The label files they read are the ``*_labelTrainIds.png`` that the
converters in ``tools/convert_datasets/`` (gta.py, synthia.py,
cityscapes.py) write beside the official ones, with the split files::

    data/gta/images/00001.png            labels/00001.png (official)
                                         labels/00001_labelTrainIds.png
    data/gta/train.txt                   every pair of equal size

    data/synthia/RGB/0000000.png         GT/LABELS/0000000.png (16 bit)
                                         GT/LABELS/0000000_labelTrainIds.png
    data/synthia/train.txt

    data/cityscapes/leftImg8bit/train/<city>/<name>_leftImg8bit.png
    data/cityscapes/gtFine/train/<city>/<name>_gtFine_labelIds.png
                                        <name>_gtFine_labelTrainIds.png
    data/cityscapes/train.txt, val.txt   "train/<city>/<name>"
    data/cityscapes/image_labels_train.txt   classes present, from gtFine

The Cityscapes train-id files are the ones mmseg's own converter writes
(same names, same values), so mmseg's Cityscapes configs read them too.
"""
import copy

from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS

from .weak_seg_dataset import WeakSegDataset

# mmseg's Cityscapes classes and colours, as a copy (subclasses may edit).
CITYSCAPES_METAINFO = dict(
    classes=CityscapesDataset.METAINFO['classes'],
    palette=[list(c) for c in CityscapesDataset.METAINFO['palette']])


class _CityscapesClassesDataset(WeakSegDataset):
    """The 19 Cityscapes classes; ``LAYOUT`` gives a dataset's official
    folders and suffixes as defaults, which any argument overrides."""

    METAINFO = CITYSCAPES_METAINFO
    LAYOUT: dict = {}

    def __init__(self, **kwargs) -> None:
        super().__init__(**{**copy.deepcopy(self.LAYOUT), **kwargs})


@DATASETS.register_module()
class GTADataset(_CityscapesClassesDataset):
    """GTA5 (Richter et al. 2016), 24966 frames, as a pixel-labelled source.

    Args: as :class:`WeakSegDataset`; defaults ``ann_file='train.txt'``,
        images ``images/<name>.png``, labels
        ``labels/<name>_labelTrainIds.png``.
    """

    LAYOUT = dict(
        ann_file='train.txt',
        data_prefix=dict(img_path='images', seg_map_path='labels'),
        img_suffix='.png',
        seg_map_suffix='_labelTrainIds.png')


@DATASETS.register_module()
class SynthiaDataset(_CityscapesClassesDataset):
    """SYNTHIA-RAND-CITYSCAPES (Ros et al. 2016), 9400 frames, as a
    pixel-labelled source; labels converted from the 16-bit originals.

    Args: as :class:`WeakSegDataset`; defaults ``ann_file='train.txt'``,
        images ``RGB/<name>.png``, labels
        ``GT/LABELS/<name>_labelTrainIds.png``.
    """

    LAYOUT = dict(
        ann_file='train.txt',
        data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS'),
        img_suffix='.png',
        seg_map_suffix='_labelTrainIds.png')


@DATASETS.register_module()
class CityscapesWeakDataset(_CityscapesClassesDataset):
    """Cityscapes (Cordts et al. 2016) as the target: ``train.txt`` with
    image-level labels only (``with_seg_map=False``,
    ``image_label_file='image_labels_train.txt'``), ``val.txt`` with masks
    for evaluation.

    Args: as :class:`WeakSegDataset`; defaults ``ann_file='val.txt'``,
        images ``leftImg8bit/<split/city/name>_leftImg8bit.png``, labels
        ``gtFine/<split/city/name>_gtFine_labelTrainIds.png``.
    """

    LAYOUT = dict(
        ann_file='val.txt',
        data_prefix=dict(img_path='leftImg8bit', seg_map_path='gtFine'),
        img_suffix='_leftImg8bit.png',
        seg_map_suffix='_gtFine_labelTrainIds.png')
