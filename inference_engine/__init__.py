"""model-studio's inference engine: serializable model adapters for SageMaker and Bedrock.

No knowledge of Lambda, HTTP or CDK lives here. Its modules: ``schema`` (``ModelConfig``, ``parse_model_config``),
``merge`` (RFC 7396 overrides), ``engine`` (``prepare``/``invoke``/``stream``), ``credentials`` (``ClientFactory``),
``catalogue``, ``policy``, ``errors``. Import what you use from its module: importing the package itself loads
nothing (a Lambda cold start pays only for what it imports).
"""
