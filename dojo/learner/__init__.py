"""The learner's side of kata-dojo: the functions behind the ``dojo`` command.

One module per concept. Each returns results (dataclasses) and raises
:class:`dojo.learner.workspace.Problem` for anything the learner must fix;
``dojo/cli.py`` only wires them to the command line and prints.
"""
