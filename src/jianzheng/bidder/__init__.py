"""The bidder tool (投标工具): runs on a bidder's own machine to compile, seal, submit and open bids."""
