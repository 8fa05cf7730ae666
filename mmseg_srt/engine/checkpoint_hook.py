"""A checkpoint hook after which a run killed at any moment resumes: every
checkpoint is written whole, and outdated ones are removed only once the
new one is on disk."""
import re
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with two changes, so that the work dir
    always holds a whole checkpoint to resume from:

    - checkpoints are written whole (the ``atomic_local`` file backend of
      :mod:`mmseg_srt.utils.atomic_io`: a temporary beside the file, renamed
      over it), so a kill or a full disk during a save leaves the previous
      checkpoint, not a file cut short;
    - with ``max_keep_ckpts``, the checkpoints beyond the newest
      ``max_keep_ckpts`` are removed after the new one is written, not
      before (``CheckpointHook`` removes first: with ``max_keep_ckpts=1`` a
      kill during the save leaves no checkpoint at all). Which checkpoints
      are kept is read from the folder (``filename_tmpl`` with the step),
      so it holds across resumes.

    Arguments are ``CheckpointHook``'s; ``backend_args`` defaults to
    ``dict(backend='atomic_local')`` and may name another backend (then
    only the removal order differs).
    """

    def __init__(self,
                 *args,
                 max_keep_ckpts: int = -1,
                 backend_args: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(
            *args,
            max_keep_ckpts=-1,
            backend_args=backend_args or dict(backend='atomic_local'),
            **kwargs)
        self.keep_ckpts = max_keep_ckpts

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        super()._save_checkpoint_with_step(runner, step, meta)
        if self.keep_ckpts > 0 and is_main_process():
            self._remove_outdated(step)

    def _remove_outdated(self, step: int) -> None:
        """Remove the checkpoints of steps up to ``step`` but the newest
        ``keep_ckpts``; later steps (a longer run before) are left."""
        head, _, tail = self.filename_tmpl.partition('{}')
        pattern = re.compile(f'^{re.escape(head)}(\\d+){re.escape(tail)}$')
        names = self.file_backend.list_dir_or_file(
            self.out_dir, list_dir=False, list_file=True)
        steps = sorted(
            int(found.group(1)) for found in map(pattern.match, names)
            if found)
        steps = [s for s in steps if s <= step]
        for outdated in steps[:-self.keep_ckpts]:
            self.file_backend.remove(
                self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(outdated)))
