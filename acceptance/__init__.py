"""`python -m acceptance`: an opt-in run against a real AWS account (never in CI).

It deploys a throwaway stack, rolls versions out and back, makes every wiring change through its
documented path while a probe polls the stack's URL, and destroys the stack. See `python -m acceptance --help`.
"""
