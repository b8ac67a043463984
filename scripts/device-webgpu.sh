#!/usr/bin/env bash
# The WebGPU checks on a GPU machine (the workplace's device tool: NVIDIA H100/H200, x86-64, root,
# no network, no Node). Two steps:
#
#   scripts/device-webgpu.sh prepare    here, after `npm ci && npm run build`: packs what the GPU
#                                       machine lacks into ignored folders (.devgpu: this machine's
#                                       node binary and the runtime node_modules, xz-compressed;
#                                       .gl: the Vulkan loader and GL dispatch .debs, the device
#                                       README's recipe; src/generated is built already)
#   scripts/device-webgpu.sh            there, from the repository root: installs the Vulkan loader,
#                                       points Vulkan at the NVIDIA driver, prints the adapter,
#                                       runs the WebGPU test subset (Node/Dawn, REQUIRE_WEBGPU=1)
#                                       and bench/webgpu.ts; logs go to $OUT
#
# The device call: command `bash scripts/device-webgpu.sh`, carry [".gl", ".devgpu", "src/generated"].
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = prepare ]; then
  set -e
  [ -f src/generated/shaders.ts ] && [ -f src/generated/kernels-wasm.ts ] || { echo 'run npm run build first' >&2; exit 1; }
  for p in /.devgpu/ /.gl/; do grep -qxF "$p" .git/info/exclude 2>/dev/null || echo "$p" >>.git/info/exclude; done
  rm -rf .devgpu && mkdir -p .devgpu
  # Node: this machine's binary is x86-64 and links only glibc and libstdc++.
  xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >.devgpu/node.xz
  # What the tests, the examples and the bench import at run time (dawn.node for linux-x64 only).
  tar -cJf .devgpu/node_modules.tar.xz \
    node_modules/{tsx,esbuild,uvu,dequal,diff,kleur,sade,mri,fast-check,pure-rand,debug,ms} node_modules/@esbuild/linux-x64 \
    node_modules/webgpu/{index.js,package.json,types.d.ts,LICENSE.md} node_modules/webgpu/dist/linux-x64
  # The Vulkan loader and GL dispatch libraries (the NVIDIA ICD loads libGLX_nvidia through glvnd).
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  du -sh .devgpu .gl src/generated
  exit 0
fi

OUT=${OUT:-$PWD/.devout}
mkdir -p "$OUT"
exec > >(tee "$OUT/device-webgpu.log") 2>&1
step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

step 'machine'
uname -m; nvidia-smi -L 2>/dev/null || echo 'nvidia-smi: not available'

step 'Vulkan loader'
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
ldconfig -p | grep -E 'libvulkan.so.1|libGLX_nvidia|libnvidia-glcore' | head -5
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
  done
fi
export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
# The ICD names its library (libGLX_nvidia.so.0) without a path: make the driver's folders findable.
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; done
ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-} LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
[ -n "${VK_DRIVER_FILES:-}" ] && cat "$VK_DRIVER_FILES"

step 'Node and packages'
if [ -f .devgpu/node.xz ]; then
  mkdir -p /tmp/devnode
  xz -dc .devgpu/node.xz >/tmp/devnode/node 2>/dev/null ||
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' .devgpu/node.xz /tmp/devnode/node
  chmod +x /tmp/devnode/node
  export PATH=/tmp/devnode:$PATH
fi
if [ -f .devgpu/node_modules.tar.xz ] && [ ! -d node_modules/tsx ]; then
  tar -xJf .devgpu/node_modules.tar.xz 2>/dev/null ||
    python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1]).extractall(".")' .devgpu/node_modules.tar.xz
fi
node --version || { echo 'no node: run scripts/device-webgpu.sh prepare here and carry .devgpu'; exit 1; }

status=0
step 'adapter and the pretrained analysis on WebGPU (examples/webgpu-analyze.ts)'
node --import tsx examples/webgpu-analyze.ts || status=1

step 'WebGPU tests: Node/Dawn, oracle fixtures and properties (REQUIRE_WEBGPU=1)'
REQUIRE_WEBGPU=1 node scripts/uvu-ci.mjs webgpu- 2>&1 | tee "$OUT/tests.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

step 'bench/webgpu.ts'
node --import tsx bench/webgpu.ts 2>&1 | tee "$OUT/bench.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

step "done: status $status (logs in $OUT)"
exit $status
