"""SRT adapter training through the tools: resume, DDP, export."""
import socket
import textwrap
from itertools import islice

import pytest
import torch

from mmseg_srt.datasets import SourceTargetInfiniteSampler
from mmseg_srt.utils import load_checkpoint_safely

from .conftest import checkpoint_path, run_tool, write_tiny_uda_config


def _train(config, work_dir, *extra, env=None):
    return run_tool(
        ['tools/train.py',
         str(config), '--work-dir',
         str(work_dir), *extra], env=env)


def _assert_same(a, b, what, atol=1e-6):
    assert a.keys() == b.keys(), what
    for key in a:
        torch.testing.assert_close(
            a[key], b[key], rtol=1e-3 if atol else 0, atol=atol,
            msg=f'{what}: {key}')


def _optimizer_tensors(optimizer_state):
    return {
        f'{param}.{name}': value
        for param, entry in optimizer_state['state'].items()
        for name, value in entry.items()
    }


@pytest.mark.slow
def test_resume_restores_segmentor_discriminator_and_both_optimizers(
        tmp_path, tiny_endosynth):
    """And the pseudo-label state (p, thresholds, statistics, position in
    the epoch) and the SRT centroids: epochs of 3 target samples, batches of
    2, so the run stops in the middle of an epoch."""
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=4,
        extra='model.update(pseudo_labeler=dict(samples_per_epoch=3))')
    straight = tmp_path / 'straight'
    _train(config, straight)
    resumed = tmp_path / 'resumed'
    _train(config, resumed, '--cfg-options', 'train_cfg.max_iters=2')
    _train(config, resumed, '--resume')

    end = load_checkpoint_safely(str(checkpoint_path(resumed, 4)))
    reference = load_checkpoint_safely(str(checkpoint_path(straight, 4)))
    halfway = load_checkpoint_safely(str(checkpoint_path(resumed, 2)))
    assert end['meta']['iter'] == 4
    assert any(k.startswith('discriminator.') for k in end['state_dict'])
    # Two processes differ by float summation order (seen: 7e-5 after Adam
    # normalised a near-zero gradient); restarting, or losing Adam's moments,
    # moves weights by about the learning rate (1e-3).
    _assert_same(end['state_dict'], reference['state_dict'], 'weights',
                 atol=2e-4)
    assert set(end['optimizer']) == {'segmentor', 'discriminator'}
    for name in ('segmentor', 'discriminator'):
        _assert_same(
            _optimizer_tensors(end['optimizer'][name]),
            _optimizer_tensors(reference['optimizer'][name]), name,
            atol=2e-4)
    assert end['param_schedulers'] == reference['param_schedulers']
    state, straight_state = end['state_dict'], reference['state_dict']
    # 8 samples in epochs of 3: epochs ended at samples 4 and 6 (p 25 %,
    # 30 %), 2 samples into the third; halfway (4 samples) only the first.
    assert int(state['pseudo_labeler.epoch']) == 2
    assert int(state['pseudo_labeler.samples_seen']) == 2
    assert float(state['pseudo_labeler.portion']) == pytest.approx(0.30)
    assert int(halfway['state_dict']['pseudo_labeler.epoch']) == 1
    for key in ('pseudo_labeler.histograms', 'pseudo_labeler.epoch',
                'pseudo_labeler.samples_seen', 'srt_loss.source_seen',
                'srt_loss.target_seen'):
        assert torch.equal(state[key], straight_state[key]), key
    assert bool(state['srt_loss.target_seen'].any())
    assert state['pseudo_labeler.histograms'].sum() > 0
    moved = [
        not torch.equal(end['state_dict'][k], halfway['state_dict'][k])
        for k in end['state_dict'] if k.startswith('discriminator.')
    ]
    assert any(moved)


HOOK = '''
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class DumpRankParameters(Hook):
    def __init__(self, out_dir):
        self.out_dir = out_dir

    def after_train(self, runner):
        model = runner.model
        model = getattr(model, 'module', model)
        params = {name.replace('.module.', '.'): p.detach().clone()
                  for name, p in model.named_parameters()}
        params.update({name: b.clone() for name, b in model.named_buffers()
                       if name.startswith(('pseudo_labeler.', 'srt_loss.'))})
        torch.save(params, f'{self.out_dir}/rank{runner.rank}.pth')
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_ddp_two_cpu_processes_end_with_identical_weights(
        tmp_path, tiny_endosynth):
    (tmp_path / 'rank_dump_hook.py').write_text(HOOK)
    extra = textwrap.dedent(f'''
        custom_imports = dict(
            imports=['mmseg_srt', 'rank_dump_hook'],
            allow_failed_imports=False)
        custom_hooks = [dict(type='PseudoLabelHook'),
                        dict(type='DumpRankParameters',
                             out_dir={str(tmp_path)!r})]
        ''')
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=3, checkpoint_interval=3,
        extra=extra)
    result = run_tool(
        ['tools/dist_train.sh',
         str(config), '2', '--work-dir',
         str(tmp_path / 'work')],
        env=dict(
            PORT=str(_free_port()),
            OMP_NUM_THREADS='1',
            PYTHONPATH=str(tmp_path)))
    assert 'GPU number: 2' in result.stdout + result.stderr
    rank0 = torch.load(tmp_path / 'rank0.pth', weights_only=True)
    rank1 = torch.load(tmp_path / 'rank1.pth', weights_only=True)
    assert any(k.startswith('discriminator.') for k in rank0)
    _assert_same(rank0, rank1, 'rank 0 vs rank 1', atol=0)
    # The hook made an epoch ceil(8 / 2) = 4 samples per rank: after 3
    # iterations of 2, one epoch ended; thresholds and the running
    # histograms (compared above) are the all-reduced ones on both ranks.
    assert int(rank0['pseudo_labeler.epoch']) == 1
    assert (rank0['pseudo_labeler.class_thresholds'] < 1).any()
    saved = load_checkpoint_safely(
        str(checkpoint_path(tmp_path / 'work', 3)))['state_dict']
    # Saved without the DDP wrappers' "module.", so it loads anywhere.
    assert not any('.module.' in key for key in saved)
    assert torch.equal(saved['segmentor.decode_head.conv_seg.weight'],
                       rank0['segmentor.decode_head.conv_seg.weight'])


@pytest.mark.slow
def test_exported_segmentor_loads_in_plain_mmseg(tmp_path, tiny_endosynth):
    from mmengine.config import Config
    from mmseg.apis import init_model
    config = write_tiny_uda_config(tmp_path, tiny_endosynth, max_iters=1,
                                   checkpoint_interval=1)
    _train(config, tmp_path / 'work')
    exported = tmp_path / 'segmentor.pth'
    run_tool([
        'tools/export_segmentor.py',
        str(checkpoint_path(tmp_path / 'work', 1)), '--out',
        str(exported)
    ])
    cfg = Config.fromfile(str(config))
    segmentor_cfg = Config(dict(model=cfg.model.segmentor,
                                test_pipeline=cfg.test_pipeline))
    model = init_model(segmentor_cfg, str(exported), device='cpu')
    adapter_weights = load_checkpoint_safely(
        str(checkpoint_path(tmp_path / 'work', 1)))['state_dict']
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, adapter_weights['segmentor.' + key])




def test_sampler_streams_are_independent_and_split_across_ranks():
    from mmseg_srt.datasets import SourceTargetDataset
    pair = object.__new__(SourceTargetDataset)
    pair.source, pair.target = range(10), range(7)
    samplers = []
    for rank in range(2):
        sampler = SourceTargetInfiniteSampler(pair, seed=3)
        sampler.rank, sampler.world_size = rank, 2
        samplers.append(sampler)
    # One pass over the target set: ceil(7 / 2) = 4 pairs per rank.
    firsts = [list(islice(iter(s), 4)) for s in samplers]
    targets = [t for pairs in firsts for _, t in pairs]
    assert sorted(set(targets)) == list(range(7))  # covered, 1 padded
    sources = [list(islice(iter(s), 5)) for s in samplers]
    assert sorted(i for pairs in sources for i, _ in pairs) == list(range(10))
    # Deterministic for a seed (resume replays it); another seed differs.
    assert list(islice(iter(samplers[0]), 20)) == list(
        islice(iter(samplers[0]), 20))
    other = SourceTargetInfiniteSampler(pair, seed=4)
    assert list(islice(iter(other), 20)) != list(
        islice(iter(SourceTargetInfiniteSampler(pair, seed=3)), 20))
    # The streams are shuffled independently: source order != target order.
    single = list(islice(iter(SourceTargetInfiniteSampler(pair, seed=3)), 7))
    assert [s for s, _ in single] != [t for _, t in single]


def _portions(work_dir):
    """Each step's pl.portion from the run's scalars.json."""
    import json
    (path, ) = work_dir.glob('*/vis_data/scalars.json')
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [
        row['curves/pl.portion'] for row in rows
        if 'curves/pl.portion' in row
    ]


@pytest.mark.slow
def test_warmup_ratio_delays_the_first_pseudo_labels(tmp_path,
                                                     tiny_endosynth):
    """8 target images, batch 2: an epoch is 8 samples, 4 steps. Without
    warm-up the labels start at step 5 (p 25 %); warmup_ratio=0.75 of 8
    iterations is 12 samples, which the second epoch reaches: no labels in
    8 steps, the first thresholds at its end."""
    paper = write_tiny_uda_config(tmp_path, tiny_endosynth, max_iters=8,
                                  checkpoint_interval=8)
    _train(paper, tmp_path / 'paper', env=dict(OMP_NUM_THREADS='1'))
    assert _portions(tmp_path / 'paper') == [0.0] * 4 + [25.0] * 4

    (tmp_path / 'warm').mkdir()
    warm = write_tiny_uda_config(
        tmp_path / 'warm', tiny_endosynth, max_iters=8,
        checkpoint_interval=8,
        extra="custom_hooks = [dict(type='PseudoLabelHook', "
        'warmup_ratio=0.75)]')
    result = _train(warm, tmp_path / 'warm' / 'work',
                    env=dict(OMP_NUM_THREADS='1'))
    assert 'warm-up of 12 target samples per rank' in (result.stdout +
                                                      result.stderr)
    assert _portions(tmp_path / 'warm' / 'work') == [0.0] * 8
    state = torch.load(checkpoint_path(tmp_path / 'warm' / 'work', 8),
                       weights_only=False)['state_dict']
    # The warm-up ended with step 8: the first thresholds, at p 25 %.
    assert float(state['pseudo_labeler.portion']) == pytest.approx(0.25)
