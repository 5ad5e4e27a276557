"""papermill support for the dbkernel kernel: a parameter translator that writes `%set` lines.

papermill finds a translator by kernel name, then by language. This kernel's language is
"sql", which no other kernel should be forced to share, so the translator is registered under
the kernel name "dbkernel". papermill has no plugin group for translators; it does load every
"papermill.engine" entry point on start-up, so this package is one (an alias of papermill's
own nbclient engine) and registers the translator when it is loaded.
"""
import math

from papermill.engines import NBClientEngine
from papermill.translators import Translator, papermill_translators

KERNEL_NAME = "dbkernel"


class DbkernelTranslator(Translator):
    """Python values -> the literals `%set NAME = VALUE` reads."""

    @classmethod
    def translate_none(cls, val):
        return "null"

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_int(cls, val):
        return str(val)

    @classmethod
    def translate_float(cls, val):
        if not math.isfinite(val):
            raise ValueError(f"dbkernel parameters must be finite numbers, got {val!r}")
        return repr(val)

    @classmethod
    def translate_escaped_str(cls, str_val):
        if "\n" in str_val or "\r" in str_val:
            raise ValueError(f"dbkernel parameters are one line of text; this one has a line break: {str_val!r}")
        # Inside quotes %set reads a doubled quote as one, as SQL does.
        return "'" + str_val.replace("'", "''") + "'"

    @classmethod
    def translate_dict(cls, val):
        raise ValueError("dbkernel parameters are single values (numbers, text, booleans, None); got a dict")

    @classmethod
    def translate_list(cls, val):
        raise ValueError("dbkernel parameters are single values (numbers, text, booleans, None); got a list")

    @classmethod
    def comment(cls, cmt_str):
        # Unused: a comment line before the %set lines would end the cell's line magics.
        return f"-- {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        return f"%set {name} = {str_val}"

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        # Line magics only: the cell is tagged `injected-parameters` by papermill, which says
        # what the comment would.
        return "".join(f"{cls.assign(name, cls.translate(value))}\n" for name, value in parameters.items())


papermill_translators.register(KERNEL_NAME, DbkernelTranslator)


class Engine(NBClientEngine):
    """papermill's nbclient engine under another name: the entry point that loads this module."""
