"""Each kata's outside judge (``dojo.judge``): its model and the checks of each stage."""
