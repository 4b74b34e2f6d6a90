"""Package discovery for porter's layout.

`frontends/`, `backends/` and `llm/` are top-level folders in the repository but install as
`porter.frontends`, `porter.backends` and `porter.llm`; setuptools' declarative config cannot
discover sub-packages under such a mapping, so the mapping is computed here.
"""

from setuptools import find_packages, setup

MAPPED_FOLDERS = {"porter.frontends": "frontends", "porter.backends": "backends", "porter.llm": "llm"}


def _packages() -> list[str]:
    packages = find_packages(include=["porter", "porter.*"])
    for prefix, folder in MAPPED_FOLDERS.items():
        packages.append(prefix)
        packages.extend(f"{prefix}.{sub}" for sub in find_packages(folder))
    return packages


setup(packages=_packages(), package_dir=MAPPED_FOLDERS)
