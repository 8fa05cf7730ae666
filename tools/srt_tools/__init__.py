"""What the tools in tools/ share and the library does not serve: the
benchmarks' metafile bookkeeping (:mod:`.model_zoo`) and the arguments
every analysis tool takes (:mod:`.args`). Tools run as scripts from
tools/, so ``import srt_tools`` finds this package beside them."""
