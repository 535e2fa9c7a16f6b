"""The cluster behind `kcli cluster`: what the brokers say of themselves, and their dynamic configs."""
