"""What adapter authors import to prove their package: the contract suites and shared fixtures."""
