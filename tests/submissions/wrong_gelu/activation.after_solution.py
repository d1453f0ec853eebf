# Honest but wrong: GELU's tanh approximation is not torch's default GELU.
MODULES = {**MODULES, "gelu": lambda: nn.GELU(approximate="tanh")}
