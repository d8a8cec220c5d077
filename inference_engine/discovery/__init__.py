"""Discovery: what is deployed (SageMaker endpoints, Bedrock models and profiles), which catalogue adapter each one
speaks, and a bounded probe that checks it. Read-only control-plane calls and one-token model calls only; the
clients come from the injected ``ClientProvider``.

Its modules: ``models`` (the answers), ``sagemaker`` and ``bedrock`` (the listings), ``containers`` (image ->
format detection), ``probe``, ``starting_config``, ``reads``, ``cli``. Import from them: importing the package
loads nothing.
"""
