"""PyInstaller entry point: the same `agent.launch:main` as the `cvpn-doctor` console script.

A separate file (not ``agent/__main__.py``) so the frozen program's ``__main__`` is this
launcher and ``agent`` stays an ordinary package inside the archive.
"""
from agent.launch import main

if __name__ == "__main__":
    main()
