"""LLVM-level helpers of the numba kernels (numba intrinsics): what numba code cannot ask for.

* :func:`on_stack`: a zeroed float64 array of literal shape on the stack. numba allocates
  arrays on the heap, which LLVM must assume the signal may alias: a filter state kept there
  goes back to memory after every row. On the stack, indexed by loops of literal length, LLVM
  promotes it to registers.
* :func:`tile`: a transpose of 8-double vectors in registers (shuffles), where the plain loops
  become gathers or scatters of one value per lane.

Each is a plain Python function, its meaning, which is what runs under ``NUMBA_DISABLE_JIT``;
compiled kernels get its overload instead.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic, overload


def on_stack(shape: tuple[int, ...]) -> np.ndarray:
    """A zeroed float64 array of ``shape``; in a compiled kernel, on its stack frame (``shape``
    must be literal there, e.g. module constants)."""
    return np.zeros(shape)


@intrinsic
def _stack_buffer(typingctx, size):
    """A zeroed float64 buffer of literal ``size`` in the entry block of the kernel's frame."""
    if not isinstance(size, types.IntegerLiteral):
        return None
    n = size.literal_value

    def codegen(context, builder, signature, args):
        ptr = cgutils.alloca_once(builder, context.get_value_type(types.float64),
                                  size=context.get_constant(types.intp, n))
        cgutils.memset(builder, ptr, context.get_constant(types.intp, n * 8), 0)
        return ptr

    return types.CPointer(types.float64)(size), codegen


# Inlined into the kernel (numba IR): a call would put the buffer on the callee's frame.
@overload(on_stack, inline="always")
def _on_stack_compiled(shape):
    if not (isinstance(shape, types.BaseTuple) and all(isinstance(t, types.IntegerLiteral) for t in shape.types)):
        return None  # numba tries again with the literal values
    dims = tuple(t.literal_value for t in shape.types)
    size = int(np.prod(dims))

    def impl(shape):
        return carray(_stack_buffer(size), dims)

    return impl


def tile(src: np.ndarray, s0: int, s_step: int, dst: np.ndarray, d0: int, d_step: int, m: np.ndarray, m0: int,
         level: int, subtract: bool) -> None:
    """Transpose of 8-double vectors: ``8 >> level`` of them from ``src[s0 + k * s_step:][:8]``
    to ``dst[d0 + k * d_step:][:8]`` (minus ``m[m0:m0 + 8]`` if ``subtract``), the matrix of their
    granules of ``2 ** level`` doubles transposed (1-D contiguous arrays).

    Between a signal of ``n_ch = 2 ** level`` channels in time blocks and a 16-lane layout
    (``16 // n_ch`` blocks of ``n_ch``), ``8 >> level`` rows at a time. Compiled, it runs in
    registers (a butterfly of shuffles, ``level`` chosen at run time) and ``subtract`` must be
    a literal.
    """
    n_vec, g = 8 >> level, 1 << level
    block = np.stack([src[s0 + k * s_step:s0 + k * s_step + 8] for k in range(n_vec)])
    out = block.reshape(n_vec, n_vec, g).transpose(1, 0, 2).reshape(n_vec, 8)
    if subtract:
        out = out - m[m0:m0 + 8]
    for k in range(n_vec):
        dst[d0 + k * d_step:d0 + k * d_step + 8] = out[k]


@intrinsic
def _tile_registers(typingctx, src, s0, s_step, dst, d0, d_step, m, m0, level, subtract):
    if not isinstance(subtract, types.BooleanLiteral) or any(a.layout != "C" for a in (src, dst, m)):
        return None  # (flat offsets need contiguous arrays)

    def codegen(context, builder, signature, args):
        s0_v, ss_v, d0_v, ds_v, m0_v, level_v = (args[k] for k in (1, 2, 4, 5, 7, 8))
        a_src, a_dst, a_m = (context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 3, 6))
        vec, i64 = ir.VectorType(ir.DoubleType(), 8), ir.IntType(64)

        def at(ary, base, step, k):
            return builder.bitcast(builder.gep(ary.data, [builder.add(base, builder.mul(step, i64(k)))]),
                                   vec.as_pointer())

        end = builder.append_basic_block("tile_end")
        switch = builder.switch(level_v, end)
        for p in range(4):
            case = builder.append_basic_block(f"tile_level{p}")
            switch.add_case(p, case)
            builder.position_at_end(case)
            n_vec = 8 >> p
            v = [builder.load(at(a_src, s0_v, ss_v, k), align=8) for k in range(n_vec)]
            for stage in range(p, 3):  # butterfly: swap granules of 2 ** stage between vector pairs
                g, d = 1 << stage, 1 << (stage - p)
                lo, hi = [], []
                for k in range(0, 8, 2 * g):
                    lo += [*range(k, k + g), *range(8 + k, 8 + k + g)]
                    hi += [*range(k + g, k + 2 * g), *range(8 + k + g, 8 + k + 2 * g)]
                masks = [ir.Constant(ir.VectorType(ir.IntType(32), 8), mask) for mask in (lo, hi)]
                w = list(v)
                for i in range(n_vec):
                    if not i & d:
                        w[i], w[i + d] = (builder.shuffle_vector(v[i], v[i + d], mask) for mask in masks)
                v = w
            if subtract.literal_value:
                mean = builder.load(at(a_m, m0_v, i64(0), 0), align=8)
                v = [builder.fsub(x, mean) for x in v]
            for k in range(n_vec):
                builder.store(v[k], at(a_dst, d0_v, ds_v, k), align=8)
            builder.branch(end)
        builder.position_at_end(end)
        return context.get_dummy_value()

    return types.void(src, s0, s_step, dst, d0, d_step, m, m0, types.int64, subtract), codegen


@overload(tile)
def _tile_compiled(src, s0, s_step, dst, d0, d_step, m, m0, level, subtract):
    if not isinstance(subtract, types.BooleanLiteral):
        return None  # numba tries again with the literal value

    def impl(src, s0, s_step, dst, d0, d_step, m, m0, level, subtract):
        _tile_registers(src, s0, s_step, dst, d0, d_step, m, m0, level, subtract)

    return impl
