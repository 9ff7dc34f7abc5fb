#!/usr/bin/env bash
# fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET] [WORK_DIR] [TARGET...]
#
# Makes the seed corpora from the committed fixtures (tests/fixtures, examples/models, the
# bad-input corpus tests/bad), then runs each libFuzzer target for SECONDS_PER_TARGET (default
# 20) and prints its executions and coverage. Fails if any target finds a crash, a leak, a
# timeout (10 s for one input) or an out-of-memory (2 GiB): the input is then left in
# WORK_DIR/artifacts/<target>/; turn it into a tests/bad entry (tests/bad/generate.py) once
# fixed. BUILD_DIR must be configured with -DKERASRT_FUZZ=ON (clang), see fuzz/CMakeLists.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
seconds="${2:-20}"
work="${3:-$build/fuzz-work}"
shift $(( $# < 3 ? $# : 3 ))
targets=("$@")
((${#targets[@]})) || targets=(fuzz_detect fuzz_h5 fuzz_keras fuzz_config fuzz_npy fuzz_server)

seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{fuzz_detect,fuzz_h5,fuzz_keras,fuzz_config,fuzz_npy}
cp -r "$root/fuzz/seeds/server" "$seeds/fuzz_server"  # hand-written requests, one per endpoint
fixtures="$root/tests/fixtures"
for dir in "$fixtures"/*/; do
  case="$(basename "$dir")"
  for f in "$dir"*.h5; do [[ -e "$f" ]] && cp "$f" "$seeds/fuzz_h5/${case}__$(basename "$f")"; done
  for f in "$dir"*.keras; do [[ -e "$f" ]] && cp "$f" "$seeds/fuzz_keras/${case}__$(basename "$f")"; done
  for f in "$dir"model*.json; do [[ -e "$f" ]] && cp "$f" "$seeds/fuzz_config/${case}__$(basename "$f")"; done
  for f in "$dir"*.npy; do [[ -e "$f" ]] && cp "$f" "$seeds/fuzz_npy/${case}__$(basename "$f")"; done
  # The structured .keras form: "<config.json>\0<model.weights.h5>" (see fuzz_keras.cc).
  if [[ -e "$dir/model_k3.json" && -e "$dir/model.weights.h5" ]]; then
    { cat "$dir/model_k3.json"; printf '\0'; cat "$dir/model.weights.h5"; } > "$seeds/fuzz_keras/${case}__split"
  fi
  for f in "$dir"model.h5 "$dir"model.keras; do [[ -e "$f" ]] && cp "$f" "$seeds/fuzz_detect/${case}__$(basename "$f")"; done
done
for f in "$root"/examples/models/*; do
  case "$f" in
    *.h5) cp "$f" "$seeds/fuzz_h5/"; cp "$f" "$seeds/fuzz_detect/" ;;
    *.keras) cp "$f" "$seeds/fuzz_keras/"; cp "$f" "$seeds/fuzz_detect/" ;;
    *.npy) cp "$f" "$seeds/fuzz_npy/" ;;
  esac
done
for f in "$root"/tests/bad/*; do
  name="bad__$(basename "$f")"
  case "$f" in
    */hdf5_bug_*) continue ;;  # crash the HDF5 library itself (see tests/bad/generate.py)
    *.h5) cp "$f" "$seeds/fuzz_h5/$name" ;;
    *.keras) cp "$f" "$seeds/fuzz_keras/$name" ;;
    *.npy) cp "$f" "$seeds/fuzz_npy/$name" ;;
    *.json|*.py) continue ;;
  esac
  cp "$f" "$seeds/fuzz_detect/$name"
done

# Which code a finding is in: the first stack frame that is neither the sanitizer, libFuzzer,
# the allocator nor libc. "kerasrt" fails the run; "library:<name>" is a bug inside a library
# kerasrt calls (HDF5 1.10.8 is not hardened against crafted files: SECURITY.md), reported and
# kept, but not a failure: kerasrt cannot fix it in-process, `kerasrt validate` contains it.
classify() {  # classify TARGET ARTIFACT [libFuzzer flags...]
  local report line library='[(/]lib(hdf5|zip|dnnl|z|gomp)[^ /]*[.]so'
  report=$(OMP_NUM_THREADS=1 ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:${unwind:-fast_unwind_on_malloc=0}" \
           LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp" timeout -k 10 120 \
           "$build/fuzz/$1" -timeout=10 -rss_limit_mb=2048 "${@:3}" "$2" 2>&1 || true)
  # Frames in source order (with or without a symbol: a stripped library's frames have none);
  # sanitizer, libFuzzer and interceptor frames (in the fuzz binary, without a source line) and
  # libc/libstdc++ frames are skipped: the first frame that has a kerasrt source line or lies in
  # a library decides.
  while IFS= read -r line; do
    if [[ "$line" == *" $root/"*:[0-9]* ]]; then
      [[ "$line" == *"/libfuzzer/"* ]] && continue
      echo "kerasrt"; return
    fi
    if [[ "$line" =~ $library ]]; then echo "library:lib${BASH_REMATCH[1]}"; return; fi
  done < <(grep -E '^ +#[0-9]+ 0x[0-9a-f]+ ' <<<"$report" | grep -vE ' in (fuzzer::|__sanitizer|__asan|__lsan|__ubsan)')
  # Run alone, the input passes (a timeout or out-of-memory of a loaded machine, or a finding
  # fixed since): not a failure.
  if ! grep -qE 'ERROR|runtime error|SUMMARY' <<<"$report"; then echo "unreproducible"; return; fi
  echo "unknown"
}

status=0
summary=()
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  log="$work/$target.log"
  echo "=== $target: ${seconds}s, seeds $(ls "$seeds/$target" | wc -l)"
  # Fork mode keeps fuzzing past a finding (each one is classified below). One core (the
  # targets pin themselves: fuzz_common.cc), inputs up to 64 KiB, 10 s and 2 GiB per input; any
  # single allocation of 2 GiB or more is a finding (libFuzzer's malloc limit).
  # allocator_may_return_null: sizes past what ASan can allocate at all (> 1 TiB, HDF5 decoding
  # corrupt headers) fail as glibc does, by returning null, instead of aborting. A process
  # stopped by a sanitizer's stop-the-world ignores SIGTERM, hence the KILL after the time limit.
  OMP_NUM_THREADS=1 ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    timeout -k 10 $((seconds + 300)) "$build/fuzz/$target" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts/" "$corpus" "$seeds/$target" >"$log" 2>&1 || true
  ours=0 theirs=()
  for artifact in "$artifacts"/*; do
    [[ -e "$artifact" ]] || continue
    where=$(classify "$target" "$artifact")
    # An out-of-memory found by the RSS watchdog has no allocation stack; one big allocation
    # is then caught where it happens by a lower malloc limit (HDF5 growing its metadata cache
    # from a corrupt header allocates many blocks of tens of MB, hence the second limit).
    # Full unwinding at every malloc makes such an input too slow to reach its limit: the
    # retries unwind fast, and raise the RSS limit so that the watchdog does not kill the
    # process while the malloc limit prints its stack.
    for limit in 256 64; do
      [[ "$where" == unknown && "$(basename "$artifact")" == oom-* ]] || break
      where=$(unwind=fast_unwind_on_malloc=1 classify "$target" "$artifact" -rss_limit_mb=4096 \
                -malloc_limit_mb=$limit)
    done
    if [[ "$where" == library:* ]]; then
      theirs+=("${where#library:}")
      echo "  $(basename "$artifact"): inside ${where#library:} (not kerasrt); kept in $artifacts"
    elif [[ "$where" == unreproducible ]]; then
      echo "  $(basename "$artifact"): does not reproduce when run alone; kept in $artifacts"
    else
      ours=$((ours + 1))
      status=1
      echo "  $(basename "$artifact"): in $where code: FAILURE; reproduce with $build/fuzz/$target $artifact"
    fi
  done
  last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -1 || true)
  runs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  summary+=("$(printf '%-12s execs %-8s cov %-6s ft %-6s corpus %-5s kerasrt findings %s, library findings %s' \
    "$target" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$ours" "${#theirs[@]}")")
done
echo "=== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
