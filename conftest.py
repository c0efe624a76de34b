# pytest at the repository root: never collect the temporary copy of a notebook being run
collect_ignore_glob = ["notebooks/*.running.ipynb", "scratch/*"]
