"""start_lesson: a NumPy-only notebook starts without TensorFlow, seeded all the same."""

import subprocess
import sys

SCRIPT = """
import sys
import numpy as np
from course_utils import start_lesson
lesson = start_lesson(seed=7, mnist=False, keras=False)
print("tensorflow" in sys.modules, "keras" in sys.modules, np.random.rand())
"""


def test_start_lesson_without_keras_imports_no_tensorflow_and_seeds_numpy():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          check=True)
    lines = done.stdout.strip().splitlines()
    assert any(line.startswith("Stack:  NumPy") and "needs no Keras" in line for line in lines)
    tf_loaded, keras_loaded, draw = lines[-1].split()
    assert (tf_loaded, keras_loaded) == ("False", "False"), done.stdout
    import numpy as np

    np.random.seed(7)
    assert float(draw) == np.random.rand()
