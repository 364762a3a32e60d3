"""The training tools' one error type: a problem with what the user gave (paths, data, checkpoints, flags).
Command-line entry points print it as one line, `<tool>: error: <message>`, and exit with status 2."""


class TrainError(Exception):
    pass
