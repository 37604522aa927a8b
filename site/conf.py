"""Sphinx configuration of the course website; site/build.py copies it into the staged sources.

myst-nb renders the notebooks with the outputs they were stored with (nb_execution_mode "off").
MathJax 2 is served from _static/mathjax (copied from the jupyter-server-mathjax package), and no
widget JavaScript is loaded: nothing on the pages comes from the internet.
"""

import os

project = "Autoencoders, hands on"
author = "the course authors"
copyright = "the course authors; code MIT, MNIST CC BY-SA 3.0"
extensions = ["myst_nb"]
exclude_patterns = ["_notebooks", "**.ipynb_checkpoints"]

# Notebooks: the stored outputs are the content; nothing is executed.
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}  # widgets show their stored picture; the live control needs JupyterLab
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
myst_update_mathjax = False
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

# Math: MathJax 2 from the site itself (TeX input, HTML-CSS output with the STIX web fonts).
# The package ships HTML-CSS output only inside its combined configuration file; the page's own
# configuration leaves out the MathML output, whose TeX fonts the package does not ship.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "jax": ["input/TeX", "output/HTML-CSS"],
    "tex2jax": {"processEscapes": True, "ignoreClass": "highlight|output|cell_output"},
    "HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web",
                 "webFont": "STIX-Web", "imageFont": None},
    # The hidden MathML copy kept for screen readers names TeX web fonts for a few alphabets
    # (double-struck, script, fraktur); the package ships none, so it uses the page's serif.
    "NativeMML": {"styles": {f'[mathvariant="{variant}"]': {"font-family": "serif"} for variant in
                             ("double-struck", "script", "fraktur", "bold-script",
                              "bold-fraktur")}},
    "showMathMenu": False,
    "messageStyle": "none",
}

html_theme = "sphinx_book_theme"
html_title = "Autoencoders, hands on"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_copy_source = False  # the notebooks are in the repository; no second copy on the site
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
}
repository = os.environ.get("COURSE_SITE_REPOSITORY", "").strip()
if repository:  # direct Binder and Colab buttons on notebook pages
    html_theme_options.update({
        "repository_url": f"https://github.com/{repository}",
        "repository_branch": "main",
        "use_repository_button": True,
        "launch_buttons": {"binderhub_url": "https://mybinder.org",
                           "colab_url": "https://colab.research.google.com",
                           "notebook_interface": "jupyterlab"},
    })
