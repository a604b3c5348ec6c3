using ClusterBroker.PeerBroker;

return await PeerBrokerHost.RunAsync(args);
