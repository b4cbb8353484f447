"""The fused E-pass against this machine's arithmetic bound, and its scaling over threads.

The bound: the floating-point operations one point-component pair costs in the pass
(counted below from ``_kernels._pass_chunk``), divided by the peak rate of one core.
The peak is measured, not looked up: a compiled loop of independent fused multiply-adds
as wide as the CPU's vectors (read from its flags), so it includes this machine's clock.
A pass at the bound would keep every vector unit busy with useful arithmetic all the
time; real code also loads, stores, compares and converts, so 2x the bound is good.

Usage: python benchmarks/bench_bound.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time


#: Floating-point operations per point-component pair in the soft pass (a fused
#: multiply-add counts 2), from _kernels._pass_chunk:
FLOPS_PER_PAIR = {
    # dx, dy (2); y0 = u0 dx (1); y1 = u1 dx + u2 dy (3); y0^2 + y1^2, times 0.5,
    # ck minus it (5); the running maximum (1)
    "log-density": 12,
    # clamp (1); n = floor(x log2e + 0.5) (3); r = x - n ln2_hi - n ln2_lo (4);
    # degree-13 Horner (26); times 2^n and the underflow mask (3)
    "exp": 37,
    # lp - max (1); the normaliser's sum (1)
    "normaliser": 2,
    # r = e / s (1); dx, dy (2); r dx, r dy (2); dx r dx, dx r dy, dy r dy (3); six sums (6)
    "statistics": 14,
}


def cpu_vectors() -> tuple[str, int, bool]:
    """(name, doubles per vector, has FMA) from /proc/cpuinfo's flags."""
    flags: set[str] = set()
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
                elif line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
    except OSError:
        pass
    lanes = 8 if "avx512f" in flags else 4 if "avx" in flags else 2
    return name, lanes, "fma" in flags


def _fma_loop(lanes: int, chains: int = 12):
    """A machine-code loop of ``chains`` independent ``lanes``-wide fused multiply-adds,
    written in LLVM IR (llvmlite, numba's own compiler) for this CPU. Enough chains
    cover the FMA latency, so the loop runs at the FMA units' throughput. (Compiled
    Python would not do: LLVM keeps scalar chains scalar.)"""
    import ctypes

    import llvmlite.binding as llvm

    vt = f"<{lanes} x double>"
    fma = f"@llvm.fma.v{lanes}f64"
    ir = [f"declare {vt} {fma}({vt}, {vt}, {vt})",
          "define double @fmas(i64 %reps) {", "entry:",
          f"  %b0 = insertelement {vt} undef, double 0.999999, i32 0",
          f"  %b = shufflevector {vt} %b0, {vt} undef, <{lanes} x i32> zeroinitializer",
          f"  %c0 = insertelement {vt} undef, double 1.0e-6, i32 0",
          f"  %c = shufflevector {vt} %c0, {vt} undef, <{lanes} x i32> zeroinitializer",
          "  br label %loop", "loop:", "  %i = phi i64 [0, %entry], [%i1, %loop]"]
    ir += [f"  %a{j} = phi {vt} [%c, %entry], [%n{j}, %loop]" for j in range(chains)]
    ir += [f"  %n{j} = call {vt} {fma}({vt} %a{j}, {vt} %b, {vt} %c)" for j in range(chains)]
    ir += ["  %i1 = add i64 %i, 1", "  %done = icmp eq i64 %i1, %reps",
           "  br i1 %done, label %exit, label %loop", "exit:"]
    last = "%n0"
    for j in range(1, chains):  # use every chain, so none is optimised away
        ir.append(f"  %s{j} = fadd {vt} {last}, %n{j}")
        last = f"%s{j}"
    ir += [f"  %r = extractelement {vt} {last}, i32 0", "  ret double %r", "}"]
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    machine = llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(), opt=2)
    module = llvm.parse_assembly("\n".join(ir))
    module.verify()
    engine = llvm.create_mcjit_compiler(module, machine)
    engine.finalize_object()
    fn = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int64)(engine.get_function_address("fmas"))
    fn._keep = engine  # the machine code lives as long as the engine
    return fn, lanes * chains


def peak_flops_per_ns(lanes: int, seconds: float = 1.0) -> float:
    """One core's measured rate of vector fused multiply-adds (2 flops per lane)."""
    fn, width = _fma_loop(lanes)
    fn(1000)
    reps = 5_000_000
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        fn(reps)
        best = max(best, 2 * width * reps / (time.perf_counter() - t) / 1e9)
    return best


def pass_ns_per_pair(n: int, k: int, threads: int, repeats: int) -> float:
    from gmm_explorer import engine as E
    from gmm_explorer.engine import _kernels
    from gmm_explorer.engine.em import _pass_inputs

    sys.path.insert(0, os.path.dirname(__file__))
    from bench_contention import _data

    X = _data(n)
    means, prec, const = _pass_inputs(E.initialise(X[:20_000], k, "random", seed=1))
    before = E.get_num_threads()
    E.set_num_threads(threads)
    try:
        _kernels.pass_numba(X, means, prec, const, None)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            _kernels.pass_numba(X, means, prec, const, None)
            times.append(time.perf_counter() - t)
    finally:
        E.set_num_threads(before)
    return statistics.median(times) * 1e9 / (n * k)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from gmm_explorer import engine as E

    E.warm_up()
    name, lanes, fma = cpu_vectors()
    flops = sum(FLOPS_PER_PAIR.values())
    peak = peak_flops_per_ns(lanes, 0.5 if args.quick else 2.0)
    bound = flops / peak
    threads = E.get_num_threads()
    print(f"# {name}: {lanes} doubles per vector, FMA {'yes' if fma else 'no'}, "
          f"{os.cpu_count()} CPUs; Python {platform.python_version()}")
    print(f"# {flops} flops per pair ({', '.join(f'{k} {v}' for k, v in FLOPS_PER_PAIR.items())});"
          f" measured peak {peak:.1f} flops/ns per core -> bound {bound:.2f} ns per pair "
          "per thread")
    reps = 5 if args.quick else 15
    print("| N | K | 1 thread, ns/pair | x bound | all threads, ns/pair | speed-up |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, k in [(1_000_000, 10), (10_000_000, 10)]:
        one = pass_ns_per_pair(n, k, 1, reps)
        every = pass_ns_per_pair(n, k, threads, reps)
        print(f"| {n:.0e} | {k} | {one:.2f} | {one / bound:.1f} | {every:.2f} "
              f"| {one / every:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
