"""The EMA teacher of SRTAdapter (teacher_momentum, not in the paper):
its update against a hand computation over real training steps, and resume
restoring it."""
import re

import pytest
import torch

from mmseg_srt.utils import load_checkpoint_safely

from .conftest import checkpoint_path, run_tool, write_tiny_uda_config

MOMENTUM = 0.25
# an epoch per step: pseudo labels (made by the teacher) from step 2 on
TEACHER = ('model.update(teacher_momentum={m}, '
           'pseudo_labeler=dict(samples_per_epoch=2))').format(m=MOMENTUM)


def _segmentor(state):
    return {
        k[len('segmentor.'):]: v
        for k, v in state.items() if k.startswith('segmentor.')
    }


def _teacher(state):
    return {
        k[len('teacher.module.'):]: v
        for k, v in state.items() if k.startswith('teacher.module.')
    }


def _train(config, work_dir, *extra):
    return run_tool(
        ['tools/train.py',
         str(config), '--work-dir',
         str(work_dir), *extra])


@pytest.mark.slow
def test_teacher_is_the_moving_average_of_the_segmentor(
        tmp_path, tiny_endosynth):
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=3, checkpoint_interval=1,
        extra=TEACHER)
    work_dir = tmp_path / 'work'
    _train(config, work_dir)
    states = [
        load_checkpoint_safely(str(checkpoint_path(work_dir, i)))['state_dict']
        for i in (1, 2, 3)
    ]
    # By hand: the first update copies the segmentor; then
    # teacher_n = (1 - m) * teacher_{n-1} + m * segmentor_n.
    expected = dict(_segmentor(states[0]))
    for n, state in enumerate(states):
        student, teacher = _segmentor(state), _teacher(state)
        assert teacher.keys() == student.keys()
        for key, value in student.items():
            if n > 0 and value.is_floating_point() and 'running' not in key:
                expected[key] = (1 - MOMENTUM) * expected[key] + \
                    MOMENTUM * value
            elif n > 0:
                expected[key] = value  # buffers (BN statistics) are copied
            torch.testing.assert_close(
                teacher[key], expected[key], rtol=0, atol=1e-6,
                msg=f'step {n + 1}: {key}')
        assert int(state['teacher.steps']) == n + 1
    # the average lags: it is not the segmentor at the last step
    last = _segmentor(states[-1])
    assert any(not torch.allclose(_teacher(states[-1])[k], last[k])
               for k in last if last[k].is_floating_point())


@pytest.mark.slow
def test_resume_restores_the_teacher(tmp_path, tiny_endosynth):
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=4, extra=TEACHER)
    straight = tmp_path / 'straight'
    _train(config, straight)
    resumed = tmp_path / 'resumed'
    _train(config, resumed, '--cfg-options', 'train_cfg.max_iters=2')
    _train(config, resumed, '--resume')
    end = load_checkpoint_safely(str(checkpoint_path(resumed, 4)))
    reference = load_checkpoint_safely(str(checkpoint_path(straight, 4)))
    teacher, expected = _teacher(end['state_dict']), _teacher(
        reference['state_dict'])
    assert teacher.keys() == expected.keys()
    for key in teacher:
        torch.testing.assert_close(teacher[key], expected[key], rtol=0,
                                   atol=1e-6, msg=key)
    assert int(end['state_dict']['teacher.steps']) == 4


def test_teacher_needs_pseudo_labels_and_a_valid_momentum():
    from mmengine.config import Config
    from mmseg.registry import MODELS

    import mmseg_srt  # noqa: F401
    from .conftest import REPO
    cfg = Config.fromfile(str(REPO / 'configs/srt_endosynth.py')).model
    with pytest.raises(ValueError, match='teacher_momentum must be'):
        MODELS.build(dict(cfg, teacher_momentum=1.5))
    with pytest.raises(ValueError, match='needs a pseudo_labeler'):
        MODELS.build(dict(cfg, teacher_momentum=0.01, pseudo_labeler=None))


@pytest.mark.parametrize('momentum', [0.01, 0.4])
def test_teacher_warmup_is_the_running_mean_until_momentum(momentum):
    """DAFormer's alpha_t = min(1 - 1 / (t + 1), alpha) as m_t = max(m,
    1 / (t + 1)): worked by hand on one weight. The student takes the values
    3, 5, 10, 2, 8, 4; update 0 copies it. With m = 0.01 the teacher is the
    plain mean of the values so far at every update shown; with m = 0.4,
    1 / (t + 1) < 0.4 from t = 2 on, so the teacher then blends by 0.4.
    Without warmup, m from update 1 on."""
    from mmseg_srt.models.uda.teacher import EMATeacher
    student = torch.nn.Linear(1, 1, bias=False)
    values = [3., 5., 10., 2., 8., 4.]

    def run(warmup):
        teacher = EMATeacher(student, momentum, warmup=warmup)
        seen = []
        for value in values:
            student.weight.data.fill_(value)
            teacher.update_parameters(student)
            seen.append(float(teacher.module.weight))
        return seen

    if momentum == 0.01:
        expected = [sum(values[:t + 1]) / (t + 1) for t in range(6)]
    else:
        expected = [3., 4.]  # copy, then (3 + 5) / 2
        for value in values[2:]:
            expected.append(expected[-1] + 0.4 * (value - expected[-1]))
    assert run(True) == pytest.approx(expected)
    plain = [3.]
    for value in values[1:]:
        plain.append(plain[-1] + momentum * (value - plain[-1]))
    assert run(False) == pytest.approx(plain)


def test_teacher_warmup_needs_a_teacher():
    from mmengine.config import Config
    from mmseg.registry import MODELS

    import mmseg_srt  # noqa: F401
    from .conftest import REPO
    cfg = Config.fromfile(str(REPO / 'configs/srt_endosynth.py')).model
    with pytest.raises(ValueError, match='teacher_warmup'):
        MODELS.build(dict(cfg, teacher_warmup=True))


@pytest.mark.slow
def test_analysis_loads_a_teacher_run_under_a_config_without_teacher(
        tmp_path, tiny_endosynth):
    """The analysis tools compare presets under one config: a checkpoint
    with an EMA teacher loads into the paper preset's model (the teacher
    left out) with the segmentor's weights exactly."""
    from mmengine.config import Config

    from mmseg_srt.apis import load_model
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=2, checkpoint_interval=2,
        extra=TEACHER)
    _train(config, tmp_path / 'work')
    checkpoint = str(checkpoint_path(tmp_path / 'work', 2))
    plain = Config.fromfile(str(config))
    plain.model.pop('teacher_momentum')
    model = load_model(plain, checkpoint)
    assert not hasattr(model, 'teacher') or model.teacher is None
    saved = _segmentor(load_checkpoint_safely(checkpoint)['state_dict'])
    for key, value in model.segmentor.state_dict().items():
        torch.testing.assert_close(value, saved[key], rtol=0, atol=0)


@pytest.mark.parametrize('norm_stats', ['running', 'batch'])
def test_teacher_norm_stats(norm_stats):
    """With the teacher a copy of the segmentor (its first update), its
    logits are the segmentor's at test time ('running': eval mode) or the
    segmentor's training-mode forward with dropout off ('batch': each
    batch's own normalisation, as the paper's pseudo labels see it)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_srt  # noqa: F401
    from .conftest import REPO
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(REPO / 'configs/srt_endosynth.py')).model
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg, teacher_momentum=0.5, teacher_norm_stats=norm_stats))
    segmentor = model.segmentor
    model.teacher.update_parameters(segmentor)
    # a batch whose statistics are far from the initial running ones
    inputs = torch.randn(4, 3, 64, 80) * 2 + 1
    norms = [(name, m) for name, m in model.teacher.module.named_modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    before = {name: {k: v.clone() for k, v in m.state_dict().items()}
              for name, m in norms}
    logits = model.teacher.seg_logits(inputs)
    assert model.teacher.module.training  # its mode is restored
    # its running statistics are what the EMA gave it, untouched
    for name, m in norms:
        assert m.track_running_stats
        for key, value in m.state_dict().items():
            torch.testing.assert_close(value, before[name][key], rtol=0,
                                       atol=0)

    segmentor.eval()
    with torch.no_grad():
        at_test = segmentor._forward(inputs)
    segmentor.train()
    for module in segmentor.modules():
        if isinstance(module, torch.nn.Dropout2d):
            module.eval()
    with torch.no_grad():
        in_training = segmentor._forward(inputs)
    expected, other = ((at_test, in_training) if norm_stats == 'running'
                       else (in_training, at_test))
    torch.testing.assert_close(logits, expected, rtol=0, atol=1e-5)
    assert (logits - other).abs().max() > 0.1


def test_teacher_norm_stats_must_be_known():
    from mmengine.config import Config
    from mmseg.registry import MODELS

    import mmseg_srt  # noqa: F401
    from .conftest import REPO
    cfg = Config.fromfile(str(REPO / 'configs/srt_endosynth.py')).model
    with pytest.raises(ValueError, match="teacher_norm_stats must be"):
        MODELS.build(
            dict(cfg, teacher_momentum=0.01, teacher_norm_stats='eval'))


def _figures(stdout: str, prefix: str) -> dict:
    line, = (line for line in stdout.splitlines() if line.startswith(prefix))
    return {
        key: float(value)
        for key, value in re.findall(r'(IoU|precision|recall|area) ([\d.]+)',
                                     line)
    }


@pytest.mark.slow
def test_analyze_norm_stats_tool(tmp_path, tiny_endosynth):
    """tools/analyze_norm_stats.py on a teacher run: its running-statistics
    figures are analyze_errors' (one image at a time) for the segmentor and
    for a checkpoint holding the teacher's weights as a segmentor; its
    batch-statistics figures are mmseg's test_step of the segmentor in
    training mode over the same batches."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmseg.registry import MODELS

    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=3, checkpoint_interval=3,
        extra=TEACHER)
    work_dir = tmp_path / 'work'
    _train(config, work_dir)
    checkpoint = checkpoint_path(work_dir, 3)
    # a 3-step model marks little lesion: the normal class has figures
    dataset = ['--dataset', 'val_dataloader.dataset', '--class', 'normal']
    stdout = run_tool(['tools/analyze_norm_stats.py', str(config),
                       str(checkpoint), *dataset, '--batch-size', '2'
                       ]).stdout
    state = load_checkpoint_safely(str(checkpoint))['state_dict']
    teacher_checkpoint = tmp_path / 'teacher_as_segmentor.pth'
    as_segmentor = {f'segmentor.{k}': v for k, v in _teacher(state).items()}
    as_segmentor.update(
        (k, v) for k, v in state.items() if k.startswith('discriminator.'))
    torch.save({'state_dict': as_segmentor}, str(teacher_checkpoint))
    # a checkpoint without a teacher under a teacher config: no teacher line
    without = run_tool(['tools/analyze_norm_stats.py', str(config),
                        str(teacher_checkpoint), *dataset]).stdout
    assert f'{teacher_checkpoint} segmentor, batch' in without
    assert f'{teacher_checkpoint} teacher' not in without
    for name, weights in (('segmentor', checkpoint),
                          ('teacher', teacher_checkpoint)):
        errors = run_tool(['tools/analyze_errors.py', str(config),
                           str(weights), *dataset, '--out',
                           str(tmp_path / f'{name}.png')]).stdout
        assert _figures(stdout, f'{checkpoint} {name}, running') == \
            _figures(errors, f'{weights} (normal')

    cfg = Config.fromfile(str(config))
    segmentor = MODELS.build(cfg.model).segmentor
    segmentor.load_state_dict(_segmentor(state))
    segmentor.train()  # the config has no dropout
    cfg.val_dataloader.batch_size = 2
    counts = torch.zeros(3)
    with torch.no_grad():
        for batch in Runner.build_dataloader(cfg.val_dataloader):
            for sample in segmentor.test_step(batch):
                predicted = sample.pred_sem_seg.data[0] == 0
                truth = sample.gt_sem_seg.data[0] == 0
                counts += torch.tensor([(predicted & truth).sum(),
                                        (predicted & ~truth).sum(),
                                        (~predicted & truth).sum()])
    tp, fp, fn = counts.tolist()
    batch = _figures(stdout, f'{checkpoint} segmentor, batch')
    assert batch['IoU'] == pytest.approx(100 * tp / (tp + fp + fn), abs=0.006)
    assert batch['area'] == pytest.approx((tp + fp) / (tp + fn), abs=0.006)
    assert batch != _figures(stdout, f'{checkpoint} segmentor, running')
