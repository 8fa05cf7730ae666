"""A plain mmseg config picks up mmseg-srt through custom_imports alone."""
import pytest
import subprocess
import sys
import textwrap


@pytest.mark.slow
def test_custom_imports_registers_components(tmp_path, tiny_endosynth):
    config = tmp_path / 'plain_mmseg_config.py'
    config.write_text(
        textwrap.dedent(f'''
        custom_imports = dict(imports=['mmseg_srt'],
                              allow_failed_imports=False)
        dataset = dict(
            type='EndoSynthDataset',
            data_root={str(tiny_endosynth)!r},
            data_prefix=dict(img_path='source/images',
                             seg_map_path='source/masks'),
            ann_file='source/train.txt',
            pipeline=[dict(type='LoadImageFromFile'),
                      dict(type='LoadAnnotations')])
        '''))
    # A fresh interpreter: nothing of mmseg_srt imported beforehand.
    code = textwrap.dedent(f'''
        import sys
        from mmengine.config import Config
        from mmengine.runner.checkpoint import CheckpointLoader
        from mmseg.registry import DATASETS
        from mmseg.utils import register_all_modules
        assert 'mmseg_srt' not in sys.modules
        cfg = Config.fromfile({str(config)!r})
        register_all_modules()
        dataset = DATASETS.build(cfg.dataset)
        item = dataset[0]
        assert item['gt_seg_map'].shape == (128, 160), item['gt_seg_map'].shape
        loader = CheckpointLoader._schemes['']
        print(len(dataset), loader.__module__)
        ''')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ['8', 'mmseg_srt.utils.checkpoint']
