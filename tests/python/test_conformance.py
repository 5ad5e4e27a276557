"""The official kernel conformance suite (jupyter_kernel_test) against the installed kernelspec.

Tests that do not apply, and why:
- test_clear_output: nothing in this kernel clears output (streaming displays update in place
  with update_display_data instead).
stderr comes from mongosh's own warnings (NumberLong with a number argument), display_data from a
cell with two statements (each statement's result is shown; the last is the execute_result).
- IopubWelcomeTests: the kernel speaks protocol 5.3 with a PUB socket; iopub_welcome is 5.5.
"""
import unittest

import jupyter_kernel_test as jkt


class DbKernelConformance(jkt.KernelTests):
    kernel_name = "dbkernel"
    language_name = "sql"
    file_extension = ".sql"

    code_hello_world = "%echo hello, world"
    code_stderr = "%%mql\nNumberLong(5)"
    code_display_data = [
        {"code": "%%sql\nSELECT 1 AS a;\nSELECT 2 AS b", "mime": "text/html"},
        {"code": "%%sql\nSELECT 1 AS a;\nSELECT 2 AS b", "mime": "text/plain"},
    ]
    completion_samples = [
        {"text": "%%sq", "matches": {"%%sql"}},
        {"text": "%conn", "matches": {"%connect", "%connections"}},
    ]
    complete_code_samples = ["%%sql\nSELECT 1;", "%vars", "SELECT 'a(' AS x;"]
    incomplete_code_samples = ["%%sql\nSELECT (", "SELECT 'abc"]
    invalid_code_samples = ["%%nosuchmagic", "%nosuchmagic"]
    code_generate_error = "%%sql\nSELECT * FROM no_such_table_anywhere"
    code_execute_result = [
        {"code": "%%sql\nSELECT 6*7 AS answer", "result": " answer\n--------\n     42\n(1 row)"},
        {"code": "%%sql\nSELECT 'x' AS s", "mime": "text/html"},
    ]
    code_history_pattern = "*6*7*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "%connect"
    code_page_something = "%connect?"


if __name__ == "__main__":
    unittest.main()
