"""Re-estimate a trained segmentor's batch-norm statistics on a dataset's
images (AdaBN, Li et al. 2016), no labels read, and write the checkpoint
with them: a cheap test-time adaptation to compare every method with.

    python tools/adapt_norm_stats.py CONFIG CKPT --out ADAPTED.pth \
        [--dataset target_train] [--batch-size 4]
    python tools/test.py CONFIG ADAPTED.pth
    python tools/adapt_norm_stats.py CONFIG CKPT --from-teacher --out OUT.pth

The images are read whole and resized as the config's test pipeline does,
``--batch-size`` at a time (they must share a size); each batch counts
equally. Only the running means and variances of the segmentor's batch
norms change (an SRT adapter's checkpoint keeps its discriminator,
teacher and pseudo-label state as they were).

``--from-teacher`` reads no image: it gives the segmentor the statistics its
EMA teacher holds. The teacher copies the segmentor's statistics at every
update, so in a checkpoint of a run that ended with ``AdaBNHook`` these are
the statistics of training's last step, before the hook replaced them: the
checkpoint the same run would have written without the hook.
"""

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.apis import (build_dataset, dataset_batches,
                            estimate_norm_statistics, load_model,
                            segmentor_of, whole_image_pipeline)
from mmseg_srt.apis.analysis import ADAPTER_SEGMENTOR
from mmseg_srt.utils import (load_checkpoint_safely, require_checkpoints,
                             save_checkpoint_atomically)
from srt_tools.args import config_parser, load_config


def parse_args():
    parser = config_parser(__doc__.split('\n')[0], checkpoints='1')
    parser.add_argument('--out', required=True, help='checkpoint to write')
    parser.add_argument('--dataset', default='target_train',
                        help='config key of the dataset whose images give '
                        'the statistics (labels are not read)')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images per forward (2 or more)')
    parser.add_argument('--from-teacher', action='store_true',
                        help='copy the EMA teacher\'s statistics instead '
                        '(no images read)')
    return parser.parse_args()


def teacher_statistics(checkpoint: dict, source: str) -> int:
    """Give the segmentor's batch norms the teacher's buffers in
    ``checkpoint`` (in place); the number of buffers copied."""
    state = checkpoint.get('state_dict', checkpoint)
    teacher = 'teacher.module.'
    changed = 0
    for key in list(state):
        if key.startswith(ADAPTER_SEGMENTOR) and key.rsplit('.', 1)[-1] in (
                'running_mean', 'running_var', 'num_batches_tracked'):
            name = teacher + key[len(ADAPTER_SEGMENTOR):]
            if name not in state:
                raise SystemExit(f'{source}: no EMA teacher ({name} is '
                                 'missing): --from-teacher needs a run with '
                                 'teacher_momentum')
            state[key] = state[name].clone()
            changed += 1
    if not changed:
        raise SystemExit(f'{source}: no SRTAdapter segmentor batch norms')
    return changed


def main():
    args = parse_args()
    require_checkpoints([args.checkpoint])
    if args.from_teacher:
        checkpoint = load_checkpoint_safely(args.checkpoint)
        changed = teacher_statistics(checkpoint, args.checkpoint)
        save_checkpoint_atomically(checkpoint, args.out)
        print(f'{args.out}: {changed} batch-norm buffers copied from the '
              'EMA teacher')
        return
    cfg = load_config(args)
    model = load_model(cfg, args.checkpoint)
    pipeline = whole_image_pipeline(cfg, dict(type='PackSRTInputs'))
    dataset = build_dataset(cfg, args.dataset, pipeline)
    try:
        count = estimate_norm_statistics(
            model, dataset_batches(dataset, args.batch_size))
    except ValueError as error:
        raise SystemExit(f'{args.dataset}: {error}') from None
    checkpoint = load_checkpoint_safely(args.checkpoint)
    state = checkpoint.get('state_dict', checkpoint)
    prefix = ADAPTER_SEGMENTOR if any(
        key.startswith(ADAPTER_SEGMENTOR) for key in state) else ''
    changed = 0
    for name, buffer in segmentor_of(model).named_buffers():
        if name.rsplit('.', 1)[-1] in ('running_mean', 'running_var',
                                        'num_batches_tracked'):
            state[prefix + name] = buffer.clone()
            changed += 1
    save_checkpoint_atomically(checkpoint, args.out)
    print(f'{args.out}: {changed} batch-norm buffers re-estimated on '
          f'{count} batches of {args.batch_size} images of {args.dataset}')


if __name__ == '__main__':
    main()
