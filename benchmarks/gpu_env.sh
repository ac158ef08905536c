# Sourced by the GPU check scripts (gpu_check.sh, gnn_gpu_check.sh), from the repository root:
# installs the wheels carried in .whl/ (see gpu_wheels.sh) into /tmp/site and puts them, then the
# uninstalled checkout itself, on PYTHONPATH. Exits the calling script if the install fails.
export PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || { echo "installing the carried wheels failed" >&2; exit 1; }
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
