# Source this file (`. scripts/use-node.sh`) to run Broadsheet's commands on a supported Node.
#
# Broadsheet needs Node.js >= 22.12 (24 LTS is what it is developed and tested on). When the `node` on PATH
# is older, this installs the pinned official Node 24 build from the npm registry's `node-linux-<arch>`
# package (its bin/node and its headers, include/node: nothing else is downloaded), outside the repo, and
# puts it first on PATH for this shell. npm_config_nodedir points node-gyp at those headers, so native
# addons (better-sqlite3) compile offline against the Node that will load them.
#
#   BROADSHEET_NODE_HOME   where Node is installed (default: ~/.cache/broadsheet/node-v<version>-<arch>)
#
# Sourced: changes PATH for the calling shell. Executed: prints the `node` it would use.

_bs_node_version=24.22.3
# sha512 of each npm tarball, pinned: a changed tarball is refused, not run.
_bs_node_integrity_x64='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
_bs_node_integrity_arm64='sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=='

# True when the `node` on PATH is at least 22.12.
_bs_node_is_recent() {
  command -v node > /dev/null 2>&1 || return 1
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2> /dev/null
}

_bs_node_install() {
  local arch integrity home tmp tarball actual
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64; integrity=$_bs_node_integrity_x64 ;;
    aarch64 | arm64) arch=arm64; integrity=$_bs_node_integrity_arm64 ;;
    *) echo "use-node.sh: no pinned Node build for $(uname -s) $(uname -m); install Node.js 24 yourself (https://nodejs.org)" >&2; return 1 ;;
  esac
  [ "$(uname -s)" = Linux ] || { echo "use-node.sh: only Linux builds are pinned here; install Node.js 24 yourself (https://nodejs.org or nvm)" >&2; return 1; }
  home=${BROADSHEET_NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/broadsheet/node-v$_bs_node_version-linux-$arch}
  if [ ! -x "$home/bin/node" ] || [ ! -f "$home/include/node/node_api.h" ]; then
    command -v npm > /dev/null 2>&1 || { echo "use-node.sh: npm is needed to fetch Node $_bs_node_version" >&2; return 1; }
    echo "use-node.sh: installing Node $_bs_node_version (npm package node-linux-$arch) into $home" >&2
    tmp=$(mktemp -d) || return 1
    if ! (cd "$tmp" && npm pack --silent "node-linux-$arch@$_bs_node_version" > /dev/null); then
      echo "use-node.sh: npm pack node-linux-$arch@$_bs_node_version failed" >&2; rm -rf "$tmp"; return 1
    fi
    tarball="$tmp/node-linux-$arch-$_bs_node_version.tgz"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [ "$actual" != "$integrity" ]; then
      echo "use-node.sh: node-linux-$arch-$_bs_node_version.tgz has integrity $actual, expected $integrity: refusing it" >&2
      rm -rf "$tmp"; return 1
    fi
    # Unpack beside the target and rename into place: a half-unpacked Node is never left at $home.
    mkdir -p "$(dirname "$home")" && mkdir "$tmp/unpacked" &&
      tar -xzf "$tarball" -C "$tmp/unpacked" --strip-components=1 &&
      rm -rf "$home.partial" && mv "$tmp/unpacked" "$home.partial" && rm -rf "$home" && mv "$home.partial" "$home" ||
      { echo "use-node.sh: could not unpack Node into $home" >&2; rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
  fi
  export PATH="$home/bin:$PATH"
  export npm_config_nodedir="$home"
  hash -r 2> /dev/null || true
}

if _bs_node_is_recent; then
  : # the node on PATH will do
else
  _bs_node_install || { [ "${BASH_SOURCE[0]:-}" = "$0" ] && exit 1 || return 1; }
fi
unset -f _bs_node_is_recent _bs_node_install
unset _bs_node_version _bs_node_integrity_x64 _bs_node_integrity_arm64

if [ "${BASH_SOURCE[0]:-}" = "$0" ]; then
  echo "node $(node --version) at $(command -v node)"
  echo "(run it as '. scripts/use-node.sh' to put it on this shell's PATH)"
fi
