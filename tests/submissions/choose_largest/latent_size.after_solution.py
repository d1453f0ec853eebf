# Honest but wrong: picks the largest latent size that reaches the target instead of the smallest.


def choose_latent_size(results: dict[int, float], target: float = TARGET_MSE) -> int:
    reached = [size for size, mse in results.items() if mse <= target]
    if not reached:
        raise ValueError(f"no latent size reaches a test MSE of {target}")
    return max(reached)
