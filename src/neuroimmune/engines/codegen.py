"""The composed model as array code: the same SBML infix rate laws, as Python over arrays.

The batched engine needs the right-hand side as a function of whole arrays (one value
per patient) so that one call advances a whole batch. Rather than keeping a second,
hand-written copy of the equations, this module translates the composed model's SBML
infix (parsed by libSBML, the same parser the export uses) into Python source, once
per process. ``xp`` is the array namespace it runs on (``jax.numpy`` or ``numpy``).

Layout: states ``y`` have shape ``(n_states, batch)``, parameters ``p`` shape
``(n_parameters, batch)``; every name in a rate law becomes a row of one of them.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType

import libsbml

from neuroimmune.model.compose import ComposedModel, compose
from neuroimmune.model.motifs import MOTIFS

_BINARY = {libsbml.AST_PLUS: "+", libsbml.AST_TIMES: "*", libsbml.AST_DIVIDE: "/",
           libsbml.AST_RELATIONAL_LEQ: "<=", libsbml.AST_RELATIONAL_LT: "<",
           libsbml.AST_RELATIONAL_GEQ: ">=", libsbml.AST_RELATIONAL_GT: ">"}
_FUNCTIONS = {libsbml.AST_FUNCTION_EXP: "xp.exp", libsbml.AST_FUNCTION_LN: "xp.log",
              libsbml.AST_FUNCTION_COS: "xp.cos", libsbml.AST_FUNCTION_SIN: "xp.sin",
              libsbml.AST_FUNCTION_ABS: "xp.abs"}


class CodegenError(ValueError):
    """A rate law uses SBML math this translator does not know."""


def _python(node: libsbml.ASTNode, rename: Callable[[str], str]) -> str:
    """Python source for one libSBML AST node (fully parenthesised)."""
    kind = node.getType()
    children = [_python(node.getChild(i), rename) for i in range(node.getNumChildren())]
    if kind in (libsbml.AST_INTEGER, libsbml.AST_REAL, libsbml.AST_REAL_E,
                libsbml.AST_RATIONAL):
        return repr(float(node.getValue()))
    if kind == libsbml.AST_NAME:
        return rename(node.getName())
    if kind == libsbml.AST_NAME_TIME:
        return "t"
    if kind == libsbml.AST_CONSTANT_PI:
        return "xp.pi"
    if kind == libsbml.AST_MINUS:
        return f"(-{children[0]})" if len(children) == 1 else f"({children[0]} - {children[1]})"
    if kind in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
        return f"power({children[0]}, {children[1]})"
    if kind in _BINARY:
        return "(" + f" {_BINARY[kind]} ".join(children) + ")"
    if kind in _FUNCTIONS:
        return f"{_FUNCTIONS[kind]}({children[0]})"
    if kind == libsbml.AST_FUNCTION:
        return f"{node.getName()}({', '.join(children)})"
    if kind == libsbml.AST_FUNCTION_PIECEWISE:
        # piecewise(v1, c1, v2, c2, ..., otherwise) -> nested where
        expression = children[-1] if len(children) % 2 else "xp.nan"
        pieces = children[: len(children) - len(children) % 2]
        for value, condition in reversed(list(zip(pieces[::2], pieces[1::2], strict=True))):
            expression = f"xp.where({condition}, {value}, {expression})"
        return expression
    raise CodegenError(f"unsupported SBML math node {node.getName() or kind} in the model")


def _translate(infix: str, rename: Callable[[str], str]) -> str:
    ast = libsbml.parseL3Formula(infix)
    if ast is None:
        raise CodegenError(f"cannot parse {infix!r}: {libsbml.getLastParseL3Error()}")
    return _python(ast, rename)


def _derived_order(model: ComposedModel) -> list[str]:
    """Derived quantities in an order where each comes after those it uses."""
    from neuroimmune.model.compose import _names_in

    derived = {d.name: d.expression for d in model.derived}
    graph = {name: _names_in(expression) & derived.keys() for name, expression in derived.items()}
    return list(graphlib.TopologicalSorter(graph).static_order())


def model_source(model: ComposedModel, constants: Mapping[str, float] | None = None) -> str:
    """Python source defining ``rhs(t, y, p)`` and ``observe(t, y, p)`` for ``model``.

    Parameters in ``constants`` are written as numbers instead of rows of ``p``, so a
    compiler can fold them (``K ** n`` once, a whole ``n`` as products): the power
    functions of Hill terms are most of the right-hand side's cost otherwise.
    """
    states = {name: i for i, name in enumerate(model.state_names)}
    parameters = {name: i for i, name in enumerate(model.parameters)}
    derived = {d.name: d.expression for d in model.derived}
    constants = constants or {}

    def rename(name: str) -> str:
        if name in states:
            return f"y[{states[name]}]"
        if name in constants:
            return f"({float(constants[name])!r})"
        if name in parameters:
            return f"p[{parameters[name]}]"
        if name in derived:
            return f"d_{name}"
        return name  # a motif's own argument

    lines = ["def power(x, n):",
             "    # a whole exponent known when compiling is a few products, not exp(n log x)",
             "    whole = isinstance(n, float) and n.is_integer() and abs(n) <= 8",
             "    return x ** int(n) if whole else x ** n",
             ""]
    for motif in MOTIFS:
        body = _translate(motif.body, lambda name: name)
        lines += [f"def {motif.name}({', '.join(motif.arguments)}):", f"    return {body}", ""]
    body = [f"    d_{name} = {_translate(derived[name], rename)}" for name in _derived_order(model)]
    rates = ",\n        ".join(_translate(state.rate, rename) for state in model.states)
    lines += ["def rows(items, like):",
              "    # a term of constants only has no batch axis: give it the states' shape",
              "    return xp.stack([xp.broadcast_to(item, xp.shape(like)) for item in items])",
              ""]
    lines += ["def rhs(t, y, p):", *body, f"    return rows([\n        {rates}], y[0])", ""]
    names = ", ".join(f"d_{d.name}" for d in model.derived)
    lines += ["def observe(t, y, p):", *body, f"    return rows([{names}], y[0])", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class ArrayModel:
    """``rhs(t, y, p) -> dy/dt`` and ``observe(t, y, p) -> derived`` over arrays."""

    rhs: Callable
    observe: Callable
    state_names: tuple[str, ...]
    parameter_names: tuple[str, ...]
    derived_names: tuple[str, ...]


def array_model(xp: ModuleType, model: ComposedModel | None = None,
                constants: Mapping[str, float] | None = None) -> ArrayModel:
    """The model's right-hand side and derived quantities as functions on ``xp`` arrays
    (``constants``: parameters fixed at these values, see ``model_source``)."""
    model = model or compose()
    namespace: dict[str, object] = {"xp": xp}
    exec(compile(model_source(model, constants), "<neuroimmune model>", "exec"), namespace)
    return ArrayModel(namespace["rhs"], namespace["observe"], model.state_names,
                      tuple(model.parameters), tuple(d.name for d in model.derived))

